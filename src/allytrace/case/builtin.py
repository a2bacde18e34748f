"""Cases shipped inside the package, and putting one into a project.

``allytrace case init japan-us`` copies ``case/builtin/japan-us/*.yaml`` into the project's
``cases/japan-us/``. An existing case is the analyst's work, so it is never overwritten
unless asked (``force``), and even then each file goes through the atomic writer, which
keeps the previous version as a backup.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import CaseError
from .files import atomic_write_text
from .model import CASE_FILE


def _root() -> Traversable:
    return resources.files("allytrace.case").joinpath("builtin")


def builtin_names() -> list[str]:
    """Names of the shipped cases, e.g. ``['japan-us']``."""
    return sorted(
        p.name for p in _root().iterdir() if p.is_dir() and p.joinpath(CASE_FILE).is_file()
    )


def builtin_files(name: str) -> dict[str, str]:
    """File name -> text of one shipped case."""
    if name not in builtin_names():
        raise CaseError(
            f"no built-in case named {name!r}", hint=f"available: {', '.join(builtin_names())}"
        )
    folder = _root().joinpath(name)
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in folder.iterdir()
        if p.is_file() and p.name.endswith((".yaml", ".md"))
    }


def init_builtin(name: str, project_cases_dir: str | Path, *, force: bool = False) -> Path:
    """Copy the built-in case ``name`` to ``project_cases_dir/name`` and return that folder.

    Refuses when the folder already holds case files, unless ``force`` (then every file is
    replaced atomically and the old one kept as ``.bak`` and in ``.backups/``).

    >>> init_builtin("japan-us", "myproject/cases")          # doctest: +SKIP
    PosixPath('myproject/cases/japan-us')
    """
    files = builtin_files(name)
    target = Path(project_cases_dir) / name
    existing = sorted(p.name for p in target.glob("*.yaml")) if target.is_dir() else []
    if existing and not force:
        raise CaseError(
            f"case {name!r} already exists at {target} ({len(existing)} files)",
            hint="use --force to replace it (backups are kept), or edit it in place",
        )
    target.mkdir(parents=True, exist_ok=True)
    for filename, text in sorted(files.items()):
        atomic_write_text(target / filename, text)
    return target
