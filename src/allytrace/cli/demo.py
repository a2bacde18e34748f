"""`allytrace demo`: build the sample project and show it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ._common import console


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        project: Annotated[Path, typer.Option("--project", "-p", help="Folder for the sample project.")] = Path("demo-project"),
        data: Annotated[Path, typer.Option(help="Shared data folder holding frus/ (and atop/).")] = Path("../shared/data"),
        serve: Annotated[bool, typer.Option(help="Serve the web workbench afterwards (Ctrl-C stops it).")] = True,
    ) -> None:
        """Build the sample project from the FRUS volume(s) in DATA/frus and show it."""
        from ..demo import build_demo

        summary = build_demo(project, data, log=lambda msg: console.print(msg))
        _evidence_index(summary.project)
        console.rule("[bold]allytrace sample project")
        console.print(f"Project: {escape(str(summary.project.root.resolve()))}")
        for line in summary.lines:
            console.print(line)
        console.print(
            f"\nTry:  [bold]allytrace search -p {escape(str(project))} '\"Security Subcommittee\"'[/]\n"
            f"      [bold]allytrace show -p {escape(str(project))} frus1964-68v29p2/d87[/]\n"
            f"      [bold]allytrace cite -p {escape(str(project))} frus1964-68v29p2/d1[/]"
        )
        if serve:
            from .serve import run_workbench

            run_workbench(summary.project.root)


def _evidence_index(project) -> None:  # type: ignore[no-untyped-def]
    """Build the paragraph index for `evidence find` (BM25 + embeddings): a one-time cost of a
    few minutes for the sample volume. Ctrl-C skips it; it resumes where it stopped next time."""
    from ..store.paragraphs import index_status
    from .evidence import _ensure_index, _model_name

    console.print("Building the evidence index (BM25 + sentence embeddings; one-time, resumable; "
                  "Ctrl-C skips) …")
    try:
        _ensure_index(project, _model_name(project, None), quiet=False)
        st = index_status(project.db)
        vectors = ", ".join(f"{k}: {n} paragraphs" for k, n in st.embedded_paragraphs.items())
        console.print(f"Evidence index ready: {st.fts_rows} paragraphs for BM25; embeddings {vectors}")
    except KeyboardInterrupt:
        console.print("[yellow]Skipped the rest of the evidence index[/]; "
                      "`allytrace evidence index` finishes it later.")
