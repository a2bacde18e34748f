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

            run_workbench(summary.project)
