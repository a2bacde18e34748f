"""Service functions: what the CLI and the web app both call.

Each function composes the layers (sources → store → case/linking → analysis → report) for
one user-facing action and returns data; neither front end holds business logic.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import AllytraceError
from ..project import Project
from ..sources.records import Document, Person
from ..store.corpus import IngestResult, normalize_key
from ..store.search import Filters, plain_snippet, search


def ingest_volume(
    project: Project, path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> IngestResult:
    """Ingest one volume into the project (one transaction)."""
    return ingest_volumes(project, [path], progress=progress)[0]


def ingest_volumes(
    project: Project,
    paths: list[str | Path],
    *,
    progress: Callable[[int, int], None] | None = None,
    parallel: bool | None = None,
) -> list[IngestResult]:
    """Ingest volumes, one transaction each; a helper process reads ahead on a multi-core
    machine (``parallel``: see ``Corpus.ingest_many``).

    Cases whose mentions are up to date get the new documents' mentions in the same
    transaction; a case that cannot be loaded is marked for a full re-link instead.
    """
    return project.corpus.ingest_many(paths, progress=progress, parallel=parallel, annotators=_linkers(project))


def _linkers(project: Project) -> list:
    from ..linking.linker import MentionAnnotator, forget, linked_cases

    out = []
    for name, digest in linked_cases(project.db).items():
        try:
            gaz = gazetteer(project, name)
        except AllytraceError:
            gaz = None
        if gaz is not None and gaz.digest() == digest:
            out.append(MentionAnnotator(name, gaz))
        else:  # stale or unreadable: the next use re-links it in full (see ensure_linked)
            forget(project.db, name)
    return out


@dataclass
class DocumentView:
    document: Document
    url: str
    persons: list[Person]
    previous: str | None
    next: str | None
    volume_title: str


def document_view(project: Project, key: str) -> DocumentView:
    corpus = project.corpus
    doc = corpus.document(key)
    vol = corpus.volume(doc.volume_id)
    prev, nxt = corpus.neighbours(doc.key)
    return DocumentView(
        document=doc,
        url=f"https://history.state.gov/historicaldocuments/{doc.key}",
        persons=corpus.persons_of(doc.volume_id, doc.persons),
        previous=prev,
        next=nxt,
        volume_title=vol.title,
    )


def _records(project: Project, keys: list[str]):  # type: ignore[no-untyped-def]
    corpus = project.corpus
    volumes: dict = {}
    out = []
    for key in keys:
        doc = corpus.document(normalize_key(key))
        if doc.volume_id not in volumes:
            volumes[doc.volume_id] = corpus.volume(doc.volume_id)
        out.append((volumes[doc.volume_id], doc))
    return out


def cite(project: Project, keys: list[str], fmt: str) -> tuple[str, list]:
    """Citations for documents in one format; returns (text, per-item data)."""
    from ..report import citations as c

    items = _records(project, keys)
    if fmt == "chicago":
        notes = [c.chicago_note(v, d) for v, d in items]
        return "\n\n".join(notes), notes
    if fmt == "short":
        notes = [c.short_note(v, d) for v, d in items]
        return "\n".join(notes), notes
    if fmt == "bibliography":
        notes = [c.bibliography_entry(v, d) for v, d in items]
        return "\n\n".join(notes), notes
    if fmt == "url":
        urls = [f"https://history.state.gov/historicaldocuments/{d.key}" for _, d in items]
        return "\n".join(urls), urls
    if fmt == "bibtex":
        text = c.bibtex(items)
    elif fmt == "ris":
        text = c.ris(items)
    elif fmt == "csl-json":
        text = c.csl_json(items)
    else:
        raise AllytraceError(f"unknown citation format {fmt!r}", hint="see `allytrace cite --help`")
    return text, [d.key for _, d in items]


def export_results(
    project: Project,
    query: str,
    filters: Filters,
    fmt: str,
    out: Path | None = None,
    *,
    sort: str = "date",
    limit: int = 10_000,
) -> tuple[Path, int]:
    """Write the documents a search selects as citations or a table; atomic write."""
    res = search(project.db, query, filters, sort=sort, limit=limit)
    keys = [h.key for h in res.hits]
    suffix = {"bibtex": "bib", "ris": "ris", "csl-json": "json", "csv": "csv", "json": "json"}[fmt]
    if fmt in ("bibtex", "ris", "csl-json"):
        text, _ = cite(project, keys, fmt) if keys else ("", [])
    elif fmt == "csv":
        buf = io.StringIO()
        fields = ["key", "date", "date_text", "heading", "kind", "sender", "recipient",
                  "classification", "score", "url", "snippet"]
        w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for h in res.hits:
            w.writerow({**asdict(h), "snippet": plain_snippet(h.snippet)})
        text = buf.getvalue()
    else:
        text = json.dumps(
            {"query": query, "filters": filters.active(), "total": res.total,
             "hits": [{**asdict(h), "snippet": plain_snippet(h.snippet)} for h in res.hits]},
            ensure_ascii=False, indent=2,
        )
    path = out or project.exports_dir / f"export.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path, len(keys)


# -- case, linking, timeline ---------------------------------------------------------------


def case_name(project: Project, name: str | None = None) -> str:
    return name or project.setting("case", "default", "japan-us")


def load_project_case(project: Project, name: str | None = None):  # type: ignore[no-untyped-def]
    """The named case of the project (default from allytrace.toml), strictly loaded."""
    from ..case.files import load_case

    folder = project.case_dir(case_name(project, name))
    if not folder.is_dir():
        from ..errors import NotFoundError

        raise NotFoundError(
            f"no case {folder.name!r} in {project.cases_dir}",
            hint="create it with `allytrace case init japan-us`",
        )
    return load_case(folder)


def init_case(project: Project, builtin: str, *, force: bool = False, link: bool = True) -> Path:
    """Copy a packaged case into the project and link its mentions (on an empty corpus this
    only records the case as linked, so that each later ingest links its new documents)."""
    from ..case.builtin import init_builtin

    folder = init_builtin(builtin, project.cases_dir, force=force)
    if link:
        link_case(project, folder.name)
    return folder


def validate(project: Project, name: str | None = None):  # type: ignore[no-untyped-def]
    """All problems in a case, with documents and quotes checked against the corpus."""
    from ..case.validate import validate_case

    return validate_case(project.case_dir(case_name(project, name)), project.corpus.get)


def gazetteer(project: Project, name: str | None = None):  # type: ignore[no-untyped-def]
    from ..linking.gazetteer import Gazetteer

    case = load_project_case(project, name)
    return Gazetteer.from_entities(case.entities())


def link_case(project: Project, name: str | None = None, *, progress=None):  # type: ignore[no-untyped-def]
    """Rebuild the mentions of the case's entities across the whole corpus."""
    from ..linking.linker import link

    name = case_name(project, name)
    return link(project.db, name, gazetteer(project, name), progress=progress)


def ensure_linked(project: Project, name: str | None = None) -> None:
    """Re-link when the case's aliases changed since the mentions were found."""
    from ..linking.linker import is_stale

    name = case_name(project, name)
    gaz = gazetteer(project, name)
    if is_stale(project.db, name, gaz) and not project.readonly:
        from ..linking.linker import link

        link(project.db, name, gaz)


def mentions(project: Project, entity: str, name: str | None = None):  # type: ignore[no-untyped-def]
    from ..analysis.mentions import mention_report
    from ..errors import NotFoundError

    name = case_name(project, name)
    case = load_project_case(project, name)
    if case.entity(entity) is None:
        raise NotFoundError(f"no entity {entity!r} in case {name!r}", hint=_suggest(case, entity))
    ensure_linked(project, name)
    return mention_report(project.db, name, entity)


def _suggest(case, entity: str) -> str:  # type: ignore[no-untyped-def]
    import difflib

    ids = [e.id for e in case.entities()]
    close = difflib.get_close_matches(entity, ids, n=3)
    return f"did you mean {', '.join(close)}?" if close else "see `allytrace timeline` for the ids"


@dataclass
class EntityCard:
    kind: str
    entity: object
    evidence: list
    mentions: object
    sources: dict


def entity_card(project: Project, entity: str, name: str | None = None) -> EntityCard:
    from ..errors import NotFoundError

    name = case_name(project, name)
    case = load_project_case(project, name)
    ent = case.entity(entity)
    if ent is None:
        raise NotFoundError(f"no entity {entity!r} in case {name!r}", hint=_suggest(case, entity))
    sources = {}
    for c in ent.citations:
        if c.source and case.source(c.source):
            sources[c.source] = case.source(c.source)
    return EntityCard(case.kind_of(entity) or "", ent, case.evidence_for(entity),
                      mentions(project, entity, name), sources)


def case_timeline(project: Project, name: str | None = None, *, chart: Path | None = None):  # type: ignore[no-untyped-def]
    """The case's chronology, and (optionally) its chart written as SVG/PNG."""
    from ..analysis.timeline import timeline

    case = load_project_case(project, name)
    items = timeline(case)
    written: list[Path] = []
    if chart is not None:
        from ..report.charts import save_chart
        from ..report.timeline_chart import timeline_chart

        period = (case.info.period.earliest(), case.info.period.latest())
        spec = timeline_chart(items, period, case.info.title.en)
        targets = [chart] if chart.suffix else [chart.with_suffix(".svg"), chart.with_suffix(".png")]
        written = [save_chart(spec, t) for t in targets]
    return case, items, written
