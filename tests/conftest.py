"""Shared fixtures: the synthetic volume, the real FRUS volume (when present), projects."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from testdata import ATOP_DIR, FIXTURES, FRUS_VOLUME, MINI, ROOT, SHARED_DATA  # noqa: F401


@pytest.fixture(scope="session")
def frus_path() -> Path:
    if not FRUS_VOLUME.is_file():
        pytest.skip(f"real FRUS volume not found at {FRUS_VOLUME} (set ALLYTRACE_SHARED_DATA)")
    return FRUS_VOLUME


@pytest.fixture
def mini_path() -> Path:
    return MINI


@pytest.fixture
def mini_project(tmp_path):
    from allytrace.project import Project

    project = Project.init(tmp_path / "proj")
    project.corpus.ingest(MINI)
    yield project
    project.close()


@pytest.fixture(scope="session")
def frus_project(tmp_path_factory, frus_path):
    """A project built once per session from the real volume; tests must not modify it."""
    from allytrace.project import Project

    project = Project.init(tmp_path_factory.mktemp("frus") / "proj")
    project.corpus.ingest(frus_path)
    yield project
    project.close()


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from allytrace.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["allytrace", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copy(FIXTURES / name, target)
    return target


@pytest.fixture(scope="session")
def case_project(tmp_path_factory, frus_path):
    """The real volume plus the built-in Japan–U.S. case, linked; tests must not modify it."""
    from allytrace import service
    from allytrace.project import Project

    project = Project.init(tmp_path_factory.mktemp("case") / "proj")
    project.corpus.ingest(frus_path)
    service.init_case(project, "japan-us")
    yield project
    project.close()
