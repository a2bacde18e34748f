"""Rendering: reports, charts, citations and exports."""
