"""The workbench application: ``create_app(project_path)`` returns a FastAPI app.

Like Datasette, one object (here :class:`Workbench`) knows the project and its settings;
the views in ``routes/`` parse the request, call the service layer and render a template.
Each request opens its own connection to the project database (cheap, and SQLite
connections are not shared across the server's threads); the case files, which are slower
to parse, are cached until one of them changes on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import __version__, service
from ..errors import AllytraceError, CaseError, NotFoundError, QueryError
from ..project import Project
from ..service import workbench as queries
from .render import build_environment
from .security import LOOPBACK_NAMES, GuardMiddleware, check_write

STATIC = Path(__file__).with_name("static")


@dataclass
class Workbench:
    """The served project and how it is served."""

    root: Path
    readonly: bool = False
    token: str | None = None
    _case_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _case_cache: dict[str, tuple[tuple, Any]] = field(default_factory=dict, repr=False)

    def open(self) -> Project:
        return Project.open(self.root, readonly=self.readonly)

    def case(self, project: Project, name: str | None = None) -> Any | None:
        """The project's case (None when it has none), re-read only when a file changed.

        When the case's aliases changed since its mentions were found, the corpus is
        re-linked first (not in read-only mode), as the CLI's ``mentions`` does.
        """
        name = service.case_name(project, name)
        sig = queries.case_folder_signature(project, name)
        if not sig:
            return None
        with self._case_lock:
            hit = self._case_cache.get(name)
            if hit and hit[0] == sig:
                return hit[1]
            case = service.load_project_case(project, name)
            if not project.readonly and project.corpus.stats()["documents"]:
                service.ensure_linked(project, name)
            self._case_cache[name] = (sig, case)
            return case

    def warm(self) -> None:
        """Do the slow first work now (load and link the case, draw the power chart), so the
        first visitor does not wait; ``serve`` runs this in a background thread."""
        from .routes.case_pages import _power_spec

        project = self.open()
        try:
            case = self.case(project)
            if case is not None and case.info is not None:
                _power_spec(case)
        except Exception:  # noqa: BLE001 - a warm-up must never stop the server
            pass
        finally:
            project.close()

    def case_or_problem(self, project: Project) -> tuple[Any | None, str | None]:
        """(case, None), or (None, message) when the case files do not load: pages that can
        live without the case (home, search, the reader) say so instead of failing."""
        try:
            return self.case(project), None
        except CaseError as exc:
            return None, str(exc)

    def trace(self, project: Project, set_id: str) -> Any:
        """The process-tracing result for one set, recomputed only when a case file changed."""
        from .charts import memo

        case = self.case(project)
        if case is None:
            raise NotFoundError("this project has no case yet", hint="create one with `allytrace case init japan-us`")
        sig = queries.case_folder_signature(project)
        from ..analysis.tracing import trace

        return memo(("trace", str(self.root), sig, set_id), lambda: trace(case, set_id), size=64)


def get_project(request: Request) -> Iterator[Project]:
    """FastAPI dependency: the project, opened for this request and closed after it."""
    project = request.app.state.workbench.open()
    try:
        yield project
    finally:
        project.close()


def create_app(
    project_path: str | Path,
    *,
    readonly: bool = False,
    token: str | None = None,
    csp: bool = True,
    allowed_hosts: set[str] | None = None,
) -> FastAPI:
    """The workbench for one project folder.

    ``readonly`` refuses every write (403) and hides the controls for them; ``token``, when
    given, is required on every request (401 without it). Without a token only loopback host
    names are answered; ``allowed_hosts`` adds others (``serve`` passes the bound address).

    >>> app = create_app("demo-project", readonly=True)          # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8765)            # doctest: +SKIP
    """
    root = Path(project_path)
    Project.open(root, readonly=readonly).close()  # fail now, with the usual message, if it is not a project
    wb = Workbench(root.resolve(), readonly=readonly, token=token)
    app = FastAPI(title="allytrace workbench", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, dependencies=[Depends(check_write)])
    app.state.workbench = wb
    env = build_environment()
    env.globals.update(readonly=readonly, version=__version__)
    app.state.templates = Jinja2Templates(env=env)
    hosts = None if token else frozenset(LOOPBACK_NAMES | {h.lower() for h in (allowed_hosts or set())})
    app.add_middleware(GuardMiddleware, token=token, csp=csp, allowed_hosts=hosts)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from .routes import case_pages, documents, entities, search, tracing

    for module in (search, documents, entities, case_pages, tracing):
        app.include_router(module.router)

    @app.exception_handler(AllytraceError)
    async def _user_error(request: Request, exc: AllytraceError) -> HTMLResponse:
        status = 404 if isinstance(exc, NotFoundError) else 422 if isinstance(exc, CaseError) else 400
        if isinstance(exc, QueryError):
            status = 400
        return error_page(request, status, str(exc))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> HTMLResponse:
        return error_page(request, 404, "There is no page at this address.")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/robots.txt", include_in_schema=False)
    def robots() -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")

    return app


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    fragment = request.headers.get("hx-request") == "true"
    name = "_error.html" if fragment else "error.html"
    ctx = page_context(request, title={401: "Not allowed", 403: "Refused", 404: "Not found"}.get(status, "Problem"))
    ctx.update(status=status, message=message)
    resp = templates.TemplateResponse(request, name, ctx, status_code=status)
    if fragment:  # let HTMX show the message where the user acted
        resp.headers["HX-Retarget"] = "#flash"
        resp.headers["HX-Reswap"] = "innerHTML"
    return resp


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    """What every template gets: the CSRF token, the read-only flag, the active section."""
    return {"csrf": getattr(request.state, "csrf", ""), "path": request.url.path, **values}


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, page_context(request, **values), status_code=status_code)
