"""Building the sample project that `make demo` shows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import service
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
    held = {v.sha256 for v in corpus.volumes()}
    for vol in volumes:
        # An unchanged volume is not re-ingested: that would drop the minutes of sentence
        # embeddings computed for it.
        if hashlib.sha256(vol.read_bytes()).hexdigest() in held:
            log(f"{vol.name}: already in the project, unchanged")
            continue
        res = service.ingest_volume(project, vol)
        log(f"Ingested {res.volume_id}: {res.documents} documents in {res.seconds:.2f} s")
    st = corpus.stats()
    summary.lines.append(
        f"{st['volumes']} volume(s), {st['documents']} documents ({st['dated_documents']} dated, "
        f"{st['with_source_note']} with source notes), {st['paragraphs']} paragraphs, "
        f"{st['persons']} persons; {st['first_date']} – {st['last_date']}"
    )
    hits = search(project.db, '"Security Subcommittee" OR "Policy Planning"', sort="date", limit=5)
    summary.lines.append(f"{hits.total} documents mention the Security Subcommittee or Policy Planning.")

    from .service import tracing

    if not project.case_dir("japan-us").is_dir():
        service.init_case(project, "japan-us", link=False)
        log("Put the built-in Japan–U.S. case in cases/japan-us")
    res = service.link_case(project, "japan-us")
    log(f"Linked {res.mentions} mentions of {res.entities} case entities")
    problems = service.validate(project, "japan-us")
    errors = [p for p in problems if p.severity == "error"]
    summary.lines.append(
        f"Case japan-us: {'valid' if not errors else f'{len(errors)} error(s)'}; "
        f"{res.mentions} mentions of {res.entities} entities linked"
    )
    case, items, charts = service.case_timeline(project, "japan-us", chart=project.exports_dir / "timeline")
    summary.lines.append(
        f"Timeline: {len(items)} dated institutions, plans and events → "
        + ", ".join(str(c.relative_to(project.root)) for c in charts)
    )
    reports = tracing.write_reports(project, case="japan-us")
    for path in reports:
        tr = tracing.trace_set(project, path.stem, "japan-us")
        lead = tr.leader
        summary.lines.append(
            f"Process tracing {path.stem}: leading '{lead.label}' at "
            f"{tr.inference.posteriors[lead.id]:.0%} → {path.relative_to(project.root)}"
        )
    return summary
