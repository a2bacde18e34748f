"""The document reader, its citations, and adding a passage of it as evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from ... import service
from ...errors import AllytraceError, CaseError
from ...project import Project
from ...service import workbench as queries
from ..app import get_project, render
from ..render import Span, doc_url, linked_text, person_spans

router = APIRouter()

CITE_FORMATS = {"chicago": "Chicago note", "bibtex": "BibTeX", "ris": "RIS"}
KIND_CSS = {"actor": "ent-actor", "institution": "ent-institution", "plan": "ent-plan", "event": "ent-event"}


def _entity_labels(case: Any) -> dict[str, tuple[str, str]]:
    if case is None:
        return {}
    return {e.id: (e.name.en, case.kind_of(e.id) or "") for e in case.entities()}


def _spans(mentions: list, labels: dict[str, tuple[str, str]]) -> list[Span]:
    out = []
    for m in mentions:
        name, kind = labels.get(m.entity, (m.entity, ""))
        out.append(Span(m.start, m.end, "entity", m.entity, f"{name} · {kind}" if kind else name,
                        KIND_CSS.get(kind, "")))
    return out


def reader_context(request: Request, project: Project, key: str) -> dict[str, Any]:
    view = service.document_view(project, key)
    doc = view.document
    wb = request.app.state.workbench
    case, case_problem = wb.case_or_problem(project)
    labels = _entity_labels(case)
    mentions = queries.document_mentions(project, doc.key) if case is not None else {}
    persons = view.persons
    paragraphs = []
    notes_by_para: dict[int | None, list] = {}
    for fn in doc.footnotes:
        if fn.is_source and doc.source:
            continue
        notes_by_para.setdefault(fn.paragraph, []).append(fn)
    page = None
    for p in doc.paragraphs:
        spans = _spans(mentions.get(p.index, []), labels) + person_spans(p.text, persons)
        paragraphs.append({
            "index": p.index, "html": linked_text(p.text, spans),
            "page": p.page if p.page and p.page != page else None,
            "notes": notes_by_para.get(p.index, []),
        })
        page = p.page or page
    heading_html = linked_text(doc.heading, _spans(mentions.get(-1, []), labels))
    mentioned: dict[str, int] = {}
    for spans in mentions.values():
        for m in spans:
            mentioned[m.entity] = mentioned.get(m.entity, 0) + 1
    entities = sorted(
        ({"id": e, "name": labels.get(e, (e, ""))[0], "kind": labels.get(e, ("", ""))[1], "count": n}
         for e, n in mentioned.items()),
        key=lambda d: (-d["count"], d["name"]),
    )
    citations = {fmt: service.cite(project, [doc.key], fmt)[0] for fmt in CITE_FORMATS}
    evidence = [e for e in case.evidence if e.document == doc.key] if case is not None else []
    return {
        "view": view, "doc": doc, "paragraphs": paragraphs, "heading_html": heading_html,
        "heading_notes": notes_by_para.get(None, []), "persons": persons, "entities": entities,
        "citations": citations, "cite_formats": CITE_FORMATS, "case": case,
        "sets": case.hypothesis_sets if case is not None else [], "evidence": evidence,
        "labels": labels, "title": doc.heading, "section": "search", "case_problem": case_problem,
    }


@router.get("/doc/{volume}/{doc_id}", response_class=HTMLResponse)
def document(volume: str, doc_id: str, request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    ctx = reader_context(request, project, f"{volume}/{doc_id}")
    ctx["added"] = request.query_params.get("added")
    ctx["q"] = request.query_params.get("q", "")
    return render(request, "document.html", **ctx)


@router.get("/doc/{volume}/{doc_id}/cite.txt")
def citation(volume: str, doc_id: str, format: str = "chicago", project: Project = Depends(get_project)) -> Response:
    text, _ = service.cite(project, [f"{volume}/{doc_id}"], format)
    return PlainTextResponse(text + "\n")


@router.post("/doc/{volume}/{doc_id}/evidence", response_class=HTMLResponse)
def add_evidence(
    volume: str,
    doc_id: str,
    request: Request,
    paragraph: int = Form(...),
    start: int = Form(...),
    end: int = Form(...),
    quote: str = Form(...),
    target: str = Form(...),
    stance: str = Form("supports"),
    note: str = Form(""),
    test: str = Form(""),
    project: Project = Depends(get_project),
) -> Response:
    """Add the selected passage as evidence; ``target`` is ``SET``, ``SET/HYPOTHESIS`` or an entity."""
    key = f"{volume}/{doc_id}"
    set_id, _, hyp = target.partition("/")
    htmx = request.headers.get("hx-request") == "true"
    try:
        ev = queries.add_document_evidence(
            project, key, paragraph=paragraph, start=start, end=end, quote=quote, target=set_id,
            hypothesis=hyp or None, stance=stance, note=note or None, test=test or None,
            loaded=request.app.state.workbench.case(project),
        )
    except AllytraceError as exc:
        if not htmx:
            raise
        status = 422 if isinstance(exc, CaseError) else 400
        return render(request, "_evidence_result.html", status_code=status, ok=False, message=str(exc))
    if not htmx:
        return RedirectResponse(doc_url(key, added=ev.id) + f"#p{paragraph}", status_code=303)
    return render(request, "_evidence_result.html", ok=True, evidence=ev, set_id=set_id,
                  is_set=any(s.id == set_id for s in request.app.state.workbench.case(project).hypothesis_sets))
