"""What every command shares: the --project and --json options, output and error helpers."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from ..project import ENV_VAR, Project
from ..store.search import HL_END, HL_START, plain_snippet

console = Console()
err_console = Console(stderr=True)

ProjectOpt = Annotated[
    Path,
    typer.Option(
        "--project", "-p", envvar=ENV_VAR, help="Project folder (default: current folder).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def open_project(path: Path | None, *, readonly: bool = False) -> Project:
    return Project.open(path, readonly=readonly)


def _default(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def emit_json(data: Any) -> None:
    """JSON on stdout, UTF-8 unescaped so Japanese stays readable."""
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def highlighted(snippet: str, style: str = "bold yellow") -> Text:
    """Render a snippet with HL markers as rich Text (markers never reach the terminal)."""
    text = Text()
    parts = snippet.split(HL_START)
    text.append(parts[0].replace(HL_END, ""))
    for part in parts[1:]:
        hit, _, rest = part.partition(HL_END)
        text.append(hit, style=style)
        text.append(rest)
    return text


def plain(snippet: str) -> str:  # noqa: D103
    return snippet.replace(HL_START, "").replace(HL_END, "")
