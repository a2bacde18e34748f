"""Entity pages: the card, the mention timeline, the documents and the evidence."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ... import service
from ...analysis.mentions import entity_counts
from ...errors import NotFoundError
from ...project import Project
from .. import charts
from ...service import workbench as queries
from ..app import get_project, render
from .search import svg_response

router = APIRouter()

KIND_TITLES = {"institution": "Institutions", "plan": "Plans and agreements", "event": "Events", "actor": "Actors"}


def _case_or_404(request: Request, project: Project):  # type: ignore[no-untyped-def]
    case = request.app.state.workbench.case(project)
    if case is None:
        raise NotFoundError("this project has no case yet",
                            hint="create one with `allytrace case init japan-us`")
    return case


@router.get("/entities", response_class=HTMLResponse)
def entities(request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    case = _case_or_404(request, project)
    counts = entity_counts(project.db, service.case_name(project))
    groups = []
    for kind, items in (("institution", case.institutions), ("plan", case.plans),
                        ("event", case.events), ("actor", case.actors)):
        rows = [{"entity": e, "mentions": counts.get(e.id, (0, 0))[0], "documents": counts.get(e.id, (0, 0))[1]}
                for e in items]
        groups.append({"kind": kind, "title": KIND_TITLES[kind], "rows": rows})
    return render(request, "entities.html", title="Entities", section="entities", case=case, groups=groups)


@router.get("/entity/{entity_id}", response_class=HTMLResponse)
def entity(entity_id: str, request: Request, project: Project = Depends(get_project)) -> HTMLResponse:
    case = _case_or_404(request, project)
    card = queries.entity_card_for(project, case, entity_id)
    spec = charts.mention_timeline(card.mentions.by_month, card.entity.name.en) if card.mentions.by_month else None
    related = [s for s in case.hypothesis_sets if s.outcome == entity_id]
    return render(request, "entity.html", title=card.entity.name.en, section="entities", card=card,
                  ent=card.entity, spec=spec, case=case, related_sets=related)


@router.get("/entity/{entity_id}/mentions.svg")
def entity_svg(entity_id: str, request: Request, project: Project = Depends(get_project)) -> Response:
    case = _case_or_404(request, project)
    card = queries.entity_card_for(project, case, entity_id)
    return svg_response(charts.mention_timeline(card.mentions.by_month, card.entity.name.en))
