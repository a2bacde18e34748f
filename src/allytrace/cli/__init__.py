"""The `allytrace` command line: a thin shell over allytrace.service.

Every command takes --project (or $ALLYTRACE_PROJECT) and --json. Errors the user can fix
print one line and exit 1; tracebacks are reserved for bugs.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from .. import __version__
from ..errors import AllytraceError
from ._common import err_console
from . import case, corpus, demo, evidence, measures, serve, tracing

app = typer.Typer(
    name="allytrace",
    help="allytrace: a research workbench for alliance institutionalization — "
    "declassified records, the case, measures and process tracing.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"allytrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """allytrace: declassified records, the alliance case, measures and process tracing."""


corpus.register(app)
case.register(app)
tracing.register(app)
evidence.register(app)
measures.register(app)
serve.register(app)
demo.register(app)


def main() -> None:
    """Entry point: run the app, turning user errors into one clear line."""
    try:
        # Without standalone mode click *returns* the code of typer.Exit(n) instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except AllytraceError as exc:
        # The message is data (file names, XPath): escape it so rich does not eat brackets.
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
