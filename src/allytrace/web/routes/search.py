"""Home and search: the CLI's query syntax and filters; results, KWIC and the term trend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ...analysis.trends import term_trend
from ...errors import QueryError
from ...project import Project
from ...report.charts import trend_chart
from ...store.search import Filters, kwic, search
from .. import charts
from ..app import get_project, render

router = APIRouter()

PAGE_SIZE = 20
FILTER_PARAMS = ("from", "to", "volume", "person", "classification", "kind")
TABS = ("results", "kwic", "trend")


def _params(request: Request) -> dict[str, str]:
    qp = request.query_params
    keep = ("q", "sort", *FILTER_PARAMS)
    return {k: qp.get(k, "").strip() for k in keep if qp.get(k, "").strip()}


def _filters(p: dict[str, str]) -> Filters:
    return Filters(date_from=p.get("from"), date_to=p.get("to"), volume=p.get("volume"),
                   person=p.get("person"), classification=p.get("classification"), kind=p.get("kind"))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    stats = project.corpus.stats()
    case, problem = request.app.state.workbench.case_or_problem(project)
    return render(request, "home.html", title="allytrace workbench", section="home", stats=stats,
                  case=case, case_problem=problem, project_name=project.setting("project", "name", project.root.name))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    p = _params(request)
    tab = request.query_params.get("tab", "results")
    tab = tab if tab in TABS else "results"
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    filters = _filters(p)
    query = p.get("q", "")
    ctx: dict[str, Any] = {"params": p, "tab": tab, "page": page, "query": query, "error": None,
                           "result": None, "lines": None, "trend": None, "spec": None}
    searched = bool(query or filters.active())
    if searched:
        try:
            if tab == "results":
                ctx["result"] = search(project.db, query, filters, sort=p.get("sort", "rank"),
                                       limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
                ctx["pages"] = max(1, -(-ctx["result"].total // PAGE_SIZE))
            elif tab == "kwic":
                ctx["lines"] = kwic(project.db, query, filters, width=70, limit=400) if query else []
            else:
                if query:
                    rows = term_trend(project.db, query, filters)
                    ctx["trend"] = rows
                    ctx["spec"] = charts.to_spec(trend_chart(rows, query))
        except QueryError as exc:
            ctx["error"] = str(exc)
    volumes = project.corpus.volumes()
    status = 400 if ctx["error"] else 200
    return render(request, "search.html", status_code=status, title=f"{query} — search" if query else "Search",
                  section="search", searched=searched, volumes=volumes, page_size=PAGE_SIZE, **ctx)


@router.get("/search/trend.svg")
def trend_svg(request: Request, project: Project = Depends(get_project)) -> Response:
    p = _params(request)
    rows = term_trend(project.db, p.get("q", ""), _filters(p))
    return svg_response(charts.to_spec(trend_chart(rows, p.get("q", ""))))


def svg_response(spec: dict) -> Response:
    from ..security import SVG_CSP

    return Response(charts.svg(spec), media_type="image/svg+xml",
                    headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "no-store"})
