"""allytrace: an evidence-backed research workbench for alliance institutionalization."""

__version__ = "0.1.0"
