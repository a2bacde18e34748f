"""Helpers for the browser tests: test projects, a live server, Chromium's launch flags.

Playwright never downloads a browser here: it launches /usr/bin/chromium (the project's
set-up installs Debian's ``chromium`` package) with the flags this machine needs, and a
fresh profile per launch (Playwright makes a new temporary user-data-dir each time).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
CASE = HERE / "fixtures" / "testland"
SCREENSHOTS = HERE / "screenshots"
SHARED_DATA = Path(os.environ.get("ALLYTRACE_SHARED_DATA", HERE.parents[2] / "shared" / "data"))
CHROMIUM = Path(os.environ.get("ALLYTRACE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def make_web_project(root: Path, *, volumes: list[Path], case: Path | None = CASE, builtin: str | None = None):  # type: ignore[no-untyped-def]
    """A project with the given volumes and either the test case folder or a built-in case."""
    from allytrace import service
    from allytrace.project import Project

    project = Project.init(root)
    for v in volumes:
        project.corpus.ingest(v)
    if builtin:
        service.init_case(project, builtin)
    elif case is not None:
        cfg = root / "allytrace.toml"
        cfg.write_text(cfg.read_text(encoding="utf-8").replace('default = "japan-us"', f'default = "{case.name}"'),
                       encoding="utf-8")
        shutil.copytree(case, root / "cases" / case.name)
        project = Project.open(root)
        service.link_case(project)
    project.close()
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread of this process."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


