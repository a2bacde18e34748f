"""Building the sample project that `make demo` shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AllytraceError
from .project import Project
from .store.search import search


@dataclass
class DemoSummary:
    project: Project
    lines: list[str] = field(default_factory=list)


def build_demo(path: Path, data: Path, *, log: Callable[[str], None] = lambda m: None) -> DemoSummary:
    """Create (or refresh) the sample project from the shared data folder.

    Volumes are taken from ``data/frus/*.xml``; when there are none, the sample volume is
    downloaded (which needs a network).
    """
    project = Project.init(path, name="allytrace sample")
    volumes = sorted((data / "frus").glob("*.xml")) if (data / "frus").is_dir() else []
    if not volumes:
        from .sources.fetch import fetch_volume

        log("No local FRUS volume found; downloading frus1964-68v29p2 …")
        dest = project.root / "sources"
        dest.mkdir(exist_ok=True)
        volumes = [fetch_volume("frus1964-68v29p2", dest)]
    summary = DemoSummary(project)
    corpus = project.corpus
    for vol in volumes:
        res = corpus.ingest(vol)
        log(f"Ingested {res.volume_id}: {res.documents} documents in {res.seconds:.2f} s")
    st = corpus.stats()
    summary.lines.append(
        f"{st['volumes']} volume(s), {st['documents']} documents ({st['dated_documents']} dated, "
        f"{st['with_source_note']} with source notes), {st['paragraphs']} paragraphs, "
        f"{st['persons']} persons; {st['first_date']} – {st['last_date']}"
    )
    try:
        hits = search(project.db, '"Security Subcommittee" OR "Policy Planning"', sort="date", limit=5)
        summary.lines.append(f"{hits.total} documents mention the Security Subcommittee or Policy Planning.")
    except AllytraceError:
        pass
    return summary
