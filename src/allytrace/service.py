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

from .errors import AllytraceError
from .project import Project
from .sources.records import Document, Person
from .store.corpus import IngestResult, normalize_key
from .store.search import Filters, plain_snippet, search


def ingest_volume(
    project: Project, path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> IngestResult:
    """Ingest one volume into the project (one transaction)."""
    return project.corpus.ingest(path, progress=progress)


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
    from .report import citations as c

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
