"""The case dashboard: institutional timeline, power diffusion, actor–institution network."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ... import service
from ...project import Project
from .. import charts
from ...service import workbench as queries
from ..app import get_project, render
from .entities import _case_or_404
from .search import svg_response

router = APIRouter()


def _timeline_spec(case: Any) -> tuple[list, dict]:
    from ...analysis.timeline import timeline
    from ...report.timeline_chart import timeline_chart

    items = timeline(case)  # what service.case_timeline does, over the cached case
    period = (case.info.period.earliest(), case.info.period.latest())
    return items, charts.to_spec(timeline_chart(items, period, case.info.title.en))


def _power_spec(case: Any) -> dict | None:
    try:
        from ...analysis.power import power_chart
    except ImportError:  # pragma: no cover - the module ships with allytrace
        return None
    events = [(str(i.established), i.name.en) for i in case.institutions
              if i.established is not None and i.outcome == "created"]
    lo, hi = case.info.period.earliest().year, case.info.period.latest().year
    start, end = min(1945, lo), max(1980, hi)
    # power_chart takes seconds (Altair validates the spec); its inputs rarely change.
    return charts.memo(("power", events, start, end),
                       lambda: charts.to_spec(power_chart(events=events, start=start, end=end, width=640)))


def _network_spec(case: Any) -> tuple[dict, Any]:
    graph = queries.actor_institution_network(case)
    return charts.network_chart(graph.nodes, graph.edges), graph


def _measures(project: Project) -> Any:
    """The alliance measures, once the service layer offers them (None until then)."""
    fn = getattr(service, "case_measures", None)
    return fn(project) if fn else None


@router.get("/case", response_class=HTMLResponse)
def dashboard(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    case = _case_or_404(request, project)
    sig = ("case-page", str(project.root), queries.case_folder_signature(project))
    items, timeline = charts.memo((*sig, "timeline"), lambda: _timeline_spec(case))
    network, graph = charts.memo((*sig, "network"), lambda: _network_spec(case))
    return render(request, "case.html", title=case.info.title.en, section="case", case=case, items=items,
                  timeline=timeline, power=_power_spec(case), network=network, graph=graph,
                  measures=_measures(project))


@router.get("/case/{chart}.svg")
def dashboard_svg(chart: str, request: Request, project: Project = Depends(get_project)) -> Response:
    case = _case_or_404(request, project)
    if chart == "timeline":
        spec = _timeline_spec(case)[1]
    elif chart == "power":
        spec = _power_spec(case)
    elif chart == "network":
        spec = _network_spec(case)[0]
    else:
        spec = None
    if spec is None:
        return Response("no such chart", status_code=404, media_type="text/plain")
    return svg_response(spec)
