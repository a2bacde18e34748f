"""Service functions for process tracing: trace a hypothesis set, write its report."""

from __future__ import annotations

from pathlib import Path

from ..analysis.tracing import Trace, trace
from ..project import Project
from . import case_name, load_project_case


def trace_set(project: Project, set_id: str, case: str | None = None, *,
              dependence: str = "product", odds_factor: float = 2.0) -> Trace:
    """Posteriors, item weights and sensitivity for one hypothesis set of the project's case."""
    return trace(load_project_case(project, case), set_id, dependence=dependence, odds_factor=odds_factor)


def hypothesis_sets(project: Project, case: str | None = None) -> list:
    """(set, evidence count, assessed count) for every hypothesis set of the case."""
    from ..analysis.tracing import evidence_of

    c = load_project_case(project, case)
    out = []
    for s in c.hypothesis_sets:
        ev = evidence_of(c, s.id)
        out.append((s, len(ev), sum(1 for e in ev if e.assessments)))
    return out


def _citer(project: Project):  # type: ignore[no-untyped-def]
    from ..report import citations
    from ..report.tracing_report import CitedDocument

    corpus = project.corpus
    volumes: dict = {}

    def cite(key: str) -> CitedDocument:
        doc = corpus.document(key)
        if doc.volume_id not in volumes:
            volumes[doc.volume_id] = corpus.volume(doc.volume_id)
        return CitedDocument(citations.short_note(volumes[doc.volume_id], doc),
                             f"https://history.state.gov/historicaldocuments/{doc.key}")

    return cite


def write_reports(project: Project, set_ids: list[str] | None = None, case: str | None = None, *,
                  out_dir: Path | None = None, evidenced_only: bool = True) -> list[Path]:
    """One HTML report per hypothesis set (default: every set with assessed evidence)."""
    from ..report.tracing_report import render, write

    name = case_name(project, case)
    c = load_project_case(project, name)
    if set_ids is None:
        set_ids = [s.id for s, _, assessed in hypothesis_sets(project, name) if assessed or not evidenced_only]
    out_dir = out_dir or project.exports_dir / "reports"
    cite = _citer(project)
    written = []
    for sid in set_ids:
        html = render(trace(c, sid), c, cite, case_name=name)
        written.append(write(html, out_dir / f"{sid}.html"))
    return written
