"""`allytrace serve`: the web workbench for a project."""

from __future__ import annotations

import secrets
import threading
import webbrowser
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ._common import ProjectOpt, console, err_console


def serve_url(host: str, port: int, token: str | None = None) -> str:
    """The address to open: ``http://127.0.0.1:8765/`` (with ``?token=`` when one is set).

    >>> serve_url("0.0.0.0", 9000, "abc")
    'http://127.0.0.1:9000/?token=abc'
    """
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def run_workbench(
    project: Path | str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    read_only: bool = False,
    token: str | None = None,
    open_browser: bool = False,
) -> None:
    """Serve the workbench until Ctrl-C; ``serve`` and ``demo --serve`` both call this.

    Refuses (AllytraceError) to bind anything but loopback without a token.
    """
    import uvicorn

    from ..errors import AllytraceError
    from ..project import Project
    from ..web.app import create_app
    from ..web.security import is_loopback, require_token_for

    try:
        require_token_for(host, token)
    except ValueError as exc:
        raise AllytraceError(str(exc), hint="add --generate-token, or --token TOKEN; or bind 127.0.0.1") from None
    root = Project.locate(project)
    extra = set() if is_loopback(host) or host in ("0.0.0.0", "::") else {host}
    web = create_app(root, readonly=read_only, token=token, allowed_hosts=extra)
    # Load the case and draw the slow charts while the first page is being asked for.
    threading.Thread(target=web.state.workbench.warm, daemon=True).start()
    url = serve_url(host, port, token)
    console.print(f"[bold]allytrace workbench[/] for {escape(str(root.resolve()))}"
                  + (" [yellow](read-only)[/]" if read_only else "") + " — Ctrl-C stops it")
    print(url, flush=True)  # the address alone on its line, for people and scripts
    if not is_loopback(host):
        err_console.print(f"[yellow]warning:[/] listening on {escape(host)}: anyone who can reach it and "
                          "has the token can read the project" + ("" if read_only else " and change its case files"))
    if open_browser:
        webbrowser.open(url)
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        project: ProjectOpt = None,  # type: ignore[assignment]
        host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs --token.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
        read_only: Annotated[bool, typer.Option("--read-only", help="Refuse every change (403) and hide the controls.")] = False,
        token: Annotated[Optional[str], typer.Option(help="Access token every request must carry (required off loopback).", envvar="ALLYTRACE_TOKEN")] = None,
        generate_token: Annotated[bool, typer.Option("--generate-token", help="Make up a random token and print it in the address.")] = False,
        open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the workbench in a browser.")] = False,
    ) -> None:
        """Serve the web workbench: search, read, link evidence, process tracing (Ctrl-C stops)."""
        if generate_token and not token:
            token = secrets.token_urlsafe(24)
        run_workbench(project, host=host, port=port, read_only=read_only, token=token,
                      open_browser=open_browser)
