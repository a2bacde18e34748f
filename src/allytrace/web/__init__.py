"""The web workbench: search and read the records, link evidence, watch the verdict move.

A thin shell over :mod:`allytrace.service`, like the CLI: FastAPI views parse the request,
call the service layer and render Jinja2 templates (autoescaped) with HTMX for in-place
updates and Vega-Lite charts (vendored; nothing loads from a CDN).

>>> from allytrace.web import create_app                      # doctest: +SKIP
>>> app = create_app("demo-project", readonly=True)           # doctest: +SKIP

Start it from the command line with ``allytrace serve``.
"""

from .app import create_app

__all__ = ["create_app"]
