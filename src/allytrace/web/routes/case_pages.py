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


MEASURES = ("secretarial", "substantiality", "typology", "initiative")


def _measures(project: Project, sig: tuple) -> list[dict]:
    """Each case measure with its definition, value table and chart (memoised per case
    files and coding rules, since computing them takes seconds)."""
    from ...report.measure_charts import measure_chart
    from ...service.measures import compute, rules_file

    rules = rules_file(project)
    rules_sig = (rules.stat().st_mtime_ns, rules.stat().st_size) if rules.exists() else None

    def build() -> list[dict]:
        results, _ = compute(project, list(MEASURES))
        return [{"name": r.name, "title": r.title, "definition": r.definition, "notes": r.notes,
                 "columns": [str(c) for c in r.table.columns],
                 "rows": r.table.astype(object).where(r.table.notna(), None).values.tolist(),
                 "spec": charts.to_spec(measure_chart(r))} for r in results]

    return charts.memo((*sig, "measures", rules_sig), build)


@router.get("/case", response_class=HTMLResponse)
def dashboard(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    case = _case_or_404(request, project)
    sig = ("case-page", str(project.root), queries.case_folder_signature(project))
    items, timeline = charts.memo((*sig, "timeline"), lambda: _timeline_spec(case))
    network, graph = charts.memo((*sig, "network"), lambda: _network_spec(case))
    return render(request, "case.html", title=case.info.title.en, section="case", case=case, items=items,
                  timeline=timeline, power=_power_spec(case), network=network, graph=graph,
                  measures=_measures(project, sig))


@router.get("/case/{chart}.svg")
def dashboard_svg(chart: str, request: Request, project: Project = Depends(get_project)) -> Response:
    case = _case_or_404(request, project)
    if chart == "timeline":
        spec = _timeline_spec(case)[1]
    elif chart == "power":
        spec = _power_spec(case)
    elif chart == "network":
        spec = _network_spec(case)[0]
    elif chart.startswith("measure-") and chart[8:] in MEASURES:
        sig = ("case-page", str(project.root), queries.case_folder_signature(project))
        spec = next(m["spec"] for m in _measures(project, sig) if m["name"] == chart[8:])
    else:
        spec = None
    if spec is None:
        return Response("no such chart", status_code=404, media_type="text/plain")
    return svg_response(spec)
