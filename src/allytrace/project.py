"""A project: one folder holding settings, the derived database and the authored case files.

    my-project/
      allytrace.toml     settings (human-edited)
      allytrace.db       derived data: corpus, index, mentions, embeddings (rebuildable)
      cases/NAME/*.yaml  authored data: the source of truth, diffable under git
      exports/           files written by `export`, `report`, charts

``Project`` is the service object the CLI and the web app share, as ``Datasette`` is for
Datasette: it knows where things are and opens them; the work is done by the layer modules.
"""

from __future__ import annotations

import os
import sqlite3
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ProjectError
from .store.corpus import Corpus
from .store.database import connect

CONFIG = "allytrace.toml"
DATABASE = "allytrace.db"
ENV_VAR = "ALLYTRACE_PROJECT"

_DEFAULT_CONFIG = """\
# allytrace project settings
[project]
name = "{name}"

[search]
# Rows per page in `allytrace search` and the web workbench.
limit = 20

[case]
# The case that commands use when none is named.
default = "japan-us"
"""


@dataclass
class Project:
    root: Path
    settings: dict = field(default_factory=dict)
    readonly: bool = False
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    # -- locating ----------------------------------------------------------------------------
    @staticmethod
    def locate(path: str | Path | None = None) -> Path:
        """The project folder: the given path, else $ALLYTRACE_PROJECT, else the current folder."""
        return Path(path or os.environ.get(ENV_VAR) or ".").expanduser()

    @classmethod
    def init(cls, path: str | Path, *, name: str | None = None) -> "Project":
        """Create a project folder (idempotent: an existing project is opened, not reset)."""
        root = Path(path).expanduser()
        if root.exists() and not root.is_dir():
            raise ProjectError(f"{root}: exists and is not a folder", hint="choose another path")
        root.mkdir(parents=True, exist_ok=True)
        cfg = root / CONFIG
        if not cfg.exists():
            cfg.write_text(_DEFAULT_CONFIG.format(name=name or root.resolve().name), encoding="utf-8")
        for sub in ("cases", "exports"):
            (root / sub).mkdir(exist_ok=True)
        project = cls.open(root)
        project.db  # creates and migrates the database now, not on first use
        return project

    @classmethod
    def open(cls, path: str | Path | None = None, *, readonly: bool = False) -> "Project":
        root = cls.locate(path)
        cfg = root / CONFIG
        if not cfg.is_file():
            raise ProjectError(
                f"{root}: not an allytrace project (no {CONFIG})",
                hint=f"create one with `allytrace init {root}` or pass --project",
            )
        try:
            settings = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProjectError(f"{cfg}: cannot read settings ({exc})", hint="fix the TOML syntax") from None
        return cls(root=root, settings=settings, readonly=readonly)

    # -- parts --------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / DATABASE

    @property
    def db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self.db_path, readonly=self.readonly)
        return self._conn

    @property
    def corpus(self) -> Corpus:
        return Corpus(self.db)

    @property
    def cases_dir(self) -> Path:
        return self.root / "cases"

    @property
    def exports_dir(self) -> Path:
        path = self.root / "exports"
        path.mkdir(exist_ok=True)
        return path

    def setting(self, section: str, key: str, default=None):  # type: ignore[no-untyped-def]
        return self.settings.get(section, {}).get(key, default)

    def case_dir(self, name: str | None = None) -> Path:
        name = name or self.setting("case", "default", "japan-us")
        return self.cases_dir / name

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
