"""`allytrace measures`: the alliance measures as tables, JSON, CSV/Parquet and charts."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from ..service import measures as svc
from ._common import JsonOpt, ProjectOpt, console, emit_json, open_project


class Which(str, Enum):
    all = "all"
    secretarial = "secretarial"
    substantiality = "substantiality"
    typology = "typology"
    initiative = "initiative"
    atop = "atop"
    power = "power"


def _fmt(value: Any, kind: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "pct" and isinstance(value, (int, float)):
        return f"{value:.2f}"
    if kind == "1dp" and isinstance(value, (int, float)):
        return f"{value:.1f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# For each table: (column, header, format, style). The CSV/JSON keep every column.
VIEWS: dict[str, list[tuple[str, str, str, str]]] = {
    "secretarial": [
        ("year", "Year", "", "bold"), ("ministerial", "M", "", ""), ("working", "W", "", ""),
        ("unknown", "?", "", "dim"), ("index_channels", "Index (channels)", "pct", "bold green"),
        ("meetings_ministerial", "Mtg M", "", ""), ("meetings_working", "Mtg W", "", ""),
        ("index_meetings", "Index (meetings)", "pct", "magenta"),
        ("changes", "Bodies that start (+) or stop (−) counting", "", "dim"),
    ],
    "substantiality": [
        ("year", "Year", "", "bold"), ("plans", "Plans", "", ""), ("exercises", "Exercises", "", ""),
        ("officialness", "Officialness", "", ""), ("index_low", "Low", "pct", "bold green"),
        ("index_high", "High", "pct", "green"), ("plans_by", "Plans (certain)", "", "dim"),
        ("officialness_by", "Approval set by", "", "dim"),
    ],
    "typology": [
        ("period", "Period", "", "bold"), ("exchange", "Exchange of interests", "", ""),
        ("form", "Form of cooperation", "", ""), ("defence_scope", "Defence scope", "", ""),
        ("basing_scope", "Basing scope", "", ""), ("one_sided_defence", "One-sided", "", ""),
        ("defence_binding", "Binding", "", ""), ("class", "Class", "", "bold"),
        ("rule", "Rule", "", "cyan"), ("also_matched", "Also matched", "", "dim"),
    ],
    "initiative": [
        ("period", "Period", "", "bold"), ("japan", "Japan", "", "red"),
        ("united-states", "U.S.", "", "blue"), ("joint", "Joint", "", "magenta"),
        ("other", "Other", "", ""), ("unknown", "Unknown", "", "dim"), ("total", "Total", "", ""),
        ("japan_ids", "Japan's proposals", "", "dim"),
        ("united-states_ids", "U.S. proposals", "", "dim"),
    ],
    "initiative_items": [
        ("id", "Item", "", "cyan"), ("date", "Date", "", ""), ("period", "Period", "", ""),
        ("side", "Proposed by", "", "bold"), ("basis", "Basis", "", "dim"),
    ],
    "atop": [
        ("atopid", "ATOP", "", "bold"), ("label", "Treaty", "", ""), ("index", "Index", "", "bold"),
        ("pct_all", "Mid-rank, all", "1dp", "green"), ("n_all", "n", "", "dim"),
        ("period", "Period", "", ""), ("pct_period", "Mid-rank, period", "1dp", "green"),
        ("n_period", "n", "", "dim"), ("rank_among_us_peers", "Rank, U.S. peers", "", ""),
    ],
    "atop_text_vs_practice": [
        ("atopid", "ATOP", "", "bold"), ("variable", "Variable", "", "cyan"),
        ("atop_code", "ATOP code", "", ""), ("atop_basis", "Basis", "", "dim"),
        ("practice", "Practice", "", "bold"), ("first_year", "From", "", ""),
        ("practice_ids", "Case items", "", "dim"),
    ],
    "atop_peers": [
        ("atopid", "ATOP", "", "bold"), ("label", "Alliance", "", ""), ("begyr", "Begins", "", ""),
        ("index", "Index", "", "bold"),
    ],
    "power": [
        ("date", "Date", "", "bold"), ("label", "On the chart", "", ""), ("id", "Case item", "", "cyan"),
        ("kind", "Kind", "", "dim"), ("drawn", "Drawn", "", ""),
    ],
    "power_overview": [
        ("series", "Series", "", "bold"), ("entity", "Entity", "", ""),
        ("first_year", "From", "", ""), ("last_year", "To", "", ""), ("figures", "n", "", ""),
        ("unit", "Unit", "", "dim"),
    ],
}
EXTRA_SHOWN = {"initiative": ["items"], "atop": ["text_vs_practice", "peers"],
               "power": ["overview"]}


def _table(frame, view: list[tuple[str, str, str, str]], title: str | None = None) -> Table:  # type: ignore[no-untyped-def]
    t = Table(title=title, title_justify="left", expand=False, show_lines=False)
    cols = [c for c in view if c[0] in frame.columns]
    for col, head, _, style in cols:
        t.add_column(head, style=style or None, overflow="fold",
                     justify="right" if frame[col].dtype.kind in "if" else "left")
    for row in frame.to_dict(orient="records"):
        t.add_row(*(escape(_fmt(row[c], kind)) for c, _, kind, _ in cols))
    return t


def _show(result) -> None:  # type: ignore[no-untyped-def]
    console.rule(f"[bold]{escape(result.title)}")
    console.print(Panel("\n".join(escape(line) for line in result.definition),
                        title="Definition", title_align="left", border_style="dim"))
    console.print(_table(result.table, VIEWS[result.name]))
    for key in EXTRA_SHOWN.get(result.name, []):
        view = VIEWS.get(f"{result.name}_{key}")
        if view is not None and key in result.extra:
            console.print(_table(result.extra[key], view, title=key.replace("_", " ")))
    for note in result.notes:
        console.print(f"[dim]• {escape(note)}[/]", soft_wrap=True)
    console.print(f"[dim]Evidence: {len(result.evidence)} rows (item ids and citations for "
                  "every value) in --json, --csv and --parquet output.[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def measures(
        which: Annotated[Which, typer.Argument(help="Which measure (default: all).")] = Which.all,
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: Annotated[Optional[str], typer.Option("--case", help="Case name (default from allytrace.toml).")] = None,
        json_: JsonOpt = False,
        csv: Annotated[Optional[Path], typer.Option("--csv", help="Write every table as CSV into this folder.")] = None,
        parquet: Annotated[Optional[Path], typer.Option("--parquet", help="Write every table as Parquet into this folder.")] = None,
        charts: Annotated[Optional[Path], typer.Option("--charts", help="Folder for the charts (SVG and PNG); default the project's exports/.")] = None,
        no_charts: Annotated[bool, typer.Option("--no-charts", help="Do not write charts.")] = False,
        atop: Annotated[Optional[Path], typer.Option("--atop", help="Folder with the ATOP CSVs (default: [atop] folder in allytrace.toml, $ALLYTRACE_SHARED_DATA/atop or ../shared/data/atop).")] = None,
        init_rules: Annotated[bool, typer.Option("--init-rules", help="Copy the default coding rules into the project as measures.yaml and stop.")] = False,
        force: Annotated[bool, typer.Option("--force", help="With --init-rules: replace an existing measures.yaml.")] = False,
    ) -> None:
        """Alliance measures: secretarial index, substantiality, typology, initiative, ATOP, power.

        Each measure prints its definition (from the coding rules) above its values; every
        value is traced to the case items and citations that produced it (--json, --csv,
        --parquet). Coding rules: the project's measures.yaml over the defaults.
        """
        proj = open_project(project)
        if init_rules:
            path = svc.init_rules(proj, force=force)
            if json_:
                emit_json({"rules": str(path)})
            else:
                console.print(f"Coding rules copied to [bold]{escape(str(path))}[/]; edit them "
                              "and run [bold]allytrace measures[/] again.")
            return
        results, skipped = svc.compute(proj, which.value, case=case, atop_dir=atop)
        rules = svc.project_rules(proj)
        files: list[Path] = []
        if csv is not None:
            files += svc.export_tables(results, csv, "csv")
        if parquet is not None:
            files += svc.export_tables(results, parquet, "parquet")
        if not no_charts:
            files += svc.write_charts(results, charts or proj.exports_dir)
        if json_:
            emit_json({"rules": rules.sources, "measures": [r.to_dict() for r in results],
                       "skipped": skipped, "files": [str(f) for f in files]})
            return
        own = svc.rules_file(proj)
        console.print(f"[dim]Coding rules: {escape(str(own)) if own.is_file() else 'defaults'}"
                      + (" (over the defaults)" if own.is_file() else
                         " — copy them with --init-rules to change them") + "[/]")
        for result in results:
            _show(result)
        for note in skipped:
            console.print(f"[yellow]{escape(note)}[/]", soft_wrap=True)
        for f in files:
            console.print(f"Wrote {escape(str(f))}")
