"""Service functions for the workbench's reading and evidence-capture views.

The document reader needs each document's mentions by paragraph; evidence capture turns a
selected passage into a checked evidence item; the tracing page edits one assessment; the
dashboard draws the actor–institution network. All work on an already-loaded case when the
caller has one, since loading a case is the slow part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import service
from ..analysis.mentions import MentionSpan, spans_in_document  # noqa: F401  (MentionSpan re-exported)
from ..analysis.network import Graph, actor_institution_network  # noqa: F401  (re-exported)
from ..errors import CaseError, NotFoundError
from ..project import Project
from ..store.corpus import normalize_key


def document_mentions(project: Project, key: str, name: str | None = None) -> dict[int, list[MentionSpan]]:
    """Mentions of the case's entities in one document, by paragraph (-1 = heading).

    Empty when the project has no such case or it was never linked.
    """
    return spans_in_document(project.db, service.case_name(project, name), project.corpus.rowid(key))


def evidence_id(case: Any, key: str, paragraph: int | None, start: int) -> str:
    """A new, stable, readable evidence id: ``ev-frus1964-68v29p2-d87-p3-120`` (unique in case)."""
    where = f"p{paragraph}" if paragraph is not None else "n"
    base = re.sub(r"[^a-z0-9]+", "-", f"ev-{normalize_key(key)}-{where}-{start}".lower()).strip("-")
    taken = {e.id for e in case.evidence}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def add_document_evidence(
    project: Project,
    key: str,
    *,
    paragraph: int,
    start: int,
    end: int,
    quote: str,
    target: str,
    hypothesis: str | None = None,
    stance: str = "supports",
    note: str | None = None,
    test: str | None = None,
    likelihood: float | None = None,
    name: str | None = None,
    loaded: Any | None = None,
) -> Any:
    """Attach a span of a document to a hypothesis set (or entity) as evidence.

    The quote is checked against the document at the given offsets before anything is
    written (``add_evidence`` with the corpus lookup), and the case file is replaced
    atomically with a backup of the previous version. An optional Van Evera ``test`` or
    ``likelihood`` becomes the item's assessment for ``hypothesis``. ``loaded`` is the case
    when the caller has it already (loading a case is slow).
    """
    from ..case.files import add_evidence

    if project.readonly:
        raise CaseError("the project is open read-only", hint="restart without --read-only")
    case = loaded if loaded is not None else service.load_project_case(project, name)
    key = normalize_key(key)
    if not project.corpus.has(key):
        raise NotFoundError(f"no document {key!r} in this project")
    sets = {s.id: s for s in case.hypothesis_sets}
    if target not in sets and case.entity(target) is None:
        raise CaseError(f"no hypothesis set or entity {target!r} in the case", field="target")
    if hypothesis and (target not in sets or hypothesis not in {h.id for h in sets[target].hypotheses}):
        raise CaseError(f"hypothesis {hypothesis!r} is not in {target!r}", field="hypothesis")
    evidence: dict[str, Any] = {
        "id": evidence_id(case, key, paragraph, start),
        "target": target,
        "document": key,
        "paragraph": paragraph,
        "start": start,
        "end": end,
        "quote": quote,
        "stance": stance,
    }
    if hypothesis:
        evidence["hypothesis"] = hypothesis
    if note and note.strip():
        evidence["note"] = note.strip()
    if hypothesis and (test or likelihood is not None):
        evidence["assessments"] = {
            hypothesis: {k: v for k, v in (("test", test), ("likelihood", likelihood)) if v is not None}
        }
    folder = project.case_dir(service.case_name(project, name))
    return add_evidence(folder, evidence, lookup=project.corpus.get)


def set_assessment(
    project: Project,
    evidence_id: str,
    hypothesis_id: str,
    *,
    likelihood: float | None = None,
    test: str | None = None,
    passed: bool = True,
    name: str | None = None,
) -> Any:
    """Set one assessment as the table edits it: likelihood and test type (None clears them)
    and whether the test passed; its rationale and plausible band are kept. Atomic, with backup."""
    from ..case.files import update_assessment

    if project.readonly:
        raise CaseError("the project is open read-only", hint="restart without --read-only")
    folder = project.case_dir(service.case_name(project, name))
    return update_assessment(folder, evidence_id, hypothesis_id, likelihood=likelihood, test=test, passed=passed)


def case_folder_signature(project: Project, name: str | None = None) -> tuple:
    """Modification times of a case's files: a cache key that changes when a file does."""
    folder = project.case_dir(service.case_name(project, name))
    if not folder.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in Path(folder).glob("*.yaml")))


def entity_card_for(project: Project, c: Any, entity: str, name: str | None = None) -> Any:
    """``service.entity_card`` over an already loaded case (loading the case is the slow part)."""
    from ..analysis.mentions import mention_report

    name = service.case_name(project, name)
    ent = c.entity(entity)
    if ent is None:
        raise NotFoundError(f"no entity {entity!r} in case {name!r}", hint=service._suggest(c, entity))
    sources = {}
    for cit in ent.citations:
        if cit.source and c.source(cit.source):
            sources[cit.source] = c.source(cit.source)
    return service.EntityCard(c.kind_of(entity) or "", ent, c.evidence_for(entity),
                              mention_report(project.db, name, entity), sources)
