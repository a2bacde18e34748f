"""Process tracing: the rivals, the evidence with editable assessments, the verdict."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...errors import AllytraceError, NotFoundError
from ...project import Project
from .. import charts
from ...service import workbench as queries
from ..app import get_project, render
from .entities import _case_or_404
from .search import svg_response

router = APIRouter()

TESTS = ("hoop", "smoking-gun", "doubly-decisive", "straw-in-the-wind")


def _trace(request: Request, project: Project, set_id: str) -> tuple[Any, str | None]:
    try:
        return request.app.state.workbench.trace(project, set_id), None
    except NotFoundError:
        raise
    except AllytraceError as exc:  # e.g. an assessment that leaves a rival without a likelihood
        return None, str(exc)


def _specs(trace: Any) -> dict[str, dict | None]:
    from ...report.tracing_charts import posterior_chart, tornado_chart

    if trace is None:
        return {"posterior": None, "tornado": None}
    inf = trace.inference
    return {
        "posterior": charts.to_spec(posterior_chart(inf)),
        "tornado": charts.to_spec(tornado_chart(trace.sensitivity, inf)) if trace.sensitivity else None,
    }


def tracing_context(request: Request, project: Project, set_id: str) -> dict[str, Any]:
    case = _case_or_404(request, project)
    hs = case.hypothesis_set(set_id)
    if hs is None:
        raise NotFoundError(f"no hypothesis set {set_id!r} in the case",
                            hint="sets: " + (", ".join(s.id for s in case.hypothesis_sets) or "none"))
    trace, error = _trace(request, project, set_id)
    sig = ("tracing-charts", str(project.root), queries.case_folder_signature(project), set_id)
    specs = charts.memo(sig, lambda: _specs(trace)) if trace is not None else _specs(None)
    from ...analysis.tracing import evidence_of

    weights = {it.item: it for it in trace.inference.items} if trace else {}
    reasons = {r.id: r.excluded_reason for r in trace.rows} if trace else {}
    evidence = evidence_of(case, set_id)
    outcome = case.entity(hs.outcome)
    return {
        "case": case, "hs": hs, "trace": trace, "trace_error": error, "weights": weights, "reasons": reasons,
        "evidence": evidence, "tests": TESTS, "specs": specs, "outcome": outcome,
        "title": hs.question, "section": "tracing",
    }


@router.get("/tracing", response_class=HTMLResponse)
def tracing_index(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    case = _case_or_404(request, project)
    sets = []
    for hs in case.hypothesis_sets:
        from ...analysis.tracing import evidence_of

        trace, error = _trace(request, project, hs.id)
        sets.append({"set": hs, "trace": trace, "error": error, "evidence": len(evidence_of(case, hs.id))})
    if len(sets) == 1 and "all" not in request.query_params:
        return RedirectResponse(f"/tracing/{sets[0]['set'].id}", status_code=303)  # type: ignore[return-value]
    return render(request, "tracing_index.html", title="Process tracing", section="tracing", sets=sets, case=case)


@router.get("/tracing/{set_id}", response_class=HTMLResponse)
def tracing(set_id: str, request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    return render(request, "tracing.html", **tracing_context(request, project, set_id))


@router.get("/tracing/{set_id}/{chart}.svg")
def tracing_svg(set_id: str, chart: str, request: Request, project: Project = Depends(get_project)) -> Response:
    _case_or_404(request, project)
    trace, _ = _trace(request, project, set_id)
    spec = _specs(trace).get(chart)
    if spec is None:
        return Response("no such chart", status_code=404, media_type="text/plain")
    return svg_response(spec)


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise AllytraceError(f"not a number: {text!r}", hint="give P(E | H) between 0 and 1, e.g. 0.8") from None


@router.post("/tracing/{set_id}/assess", response_class=HTMLResponse)
def assess(
    set_id: str,
    request: Request,
    evidence: str = Form(...),
    hypothesis: str = Form(...),
    likelihood: str = Form(""),
    test: str = Form(""),
    outcome: str = Form("passed"),
    project: Project = Depends(get_project),
) -> Response:
    """Set one assessment; HTMX gets the evidence row back plus the refreshed verdict."""
    htmx = request.headers.get("hx-request") == "true"
    if test and test not in TESTS:
        raise AllytraceError(f"unknown test type {test!r}", hint="use " + ", ".join(TESTS))
    queries.set_assessment(project, evidence, hypothesis, likelihood=_number(likelihood),
                                   test=test or None, passed=outcome != "failed")
    if not htmx:
        return RedirectResponse(f"/tracing/{set_id}#{evidence}", status_code=303)
    ctx = tracing_context(request, project, set_id)
    ctx["row"] = next(e for e in ctx["evidence"] if e.id == evidence)
    ctx["saved"] = (evidence, hypothesis)
    return render(request, "_assess_response.html", **ctx)
