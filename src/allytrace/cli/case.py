"""Case commands: `case init|validate|schema`, `link`, `mentions`, `entity`, `timeline`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from .. import service
from ._common import JsonOpt, ProjectOpt, console, emit_json, highlighted, open_project

CaseOpt = Annotated[Optional[str], typer.Option("--case", help="Case name (default from allytrace.toml).")]

case_app = typer.Typer(help="The alliance case: create, validate, describe.", no_args_is_help=True)


@case_app.command("init")
def case_init(
    name: Annotated[str, typer.Argument(help="Built-in case to copy into the project.")] = "japan-us",
    project: ProjectOpt = None,  # type: ignore[assignment]
    force: Annotated[bool, typer.Option(help="Overwrite an existing case folder (a backup is kept).")] = False,
    json_: JsonOpt = False,
) -> None:
    """Put a built-in case (japan-us) into the project's cases/ folder and link its mentions."""
    proj = open_project(project)
    folder = service.init_case(proj, name, force=force)
    if json_:
        emit_json({"case": name, "folder": str(folder)})
    else:
        console.print(f"[green]Case {escape(name)}[/] is in {escape(str(folder))}")
        console.print("Next: [bold]allytrace case validate[/], [bold]allytrace timeline[/]")


@case_app.command("validate")
def case_validate(
    name: Annotated[Optional[str], typer.Argument(help="Case name (default from allytrace.toml).")] = None,
    project: ProjectOpt = None,  # type: ignore[assignment]
    json_: JsonOpt = False,
) -> None:
    """Check a case: schema, dates, references, documents, quotes, evidence for every claim."""
    proj = open_project(project)
    problems = service.validate(proj, name)
    errors = [p for p in problems if p.severity == "error"]
    if json_:
        emit_json({"ok": not errors, "errors": len(errors), "warnings": len(problems) - len(errors),
                   "problems": [p.to_dict() for p in problems]})
    else:
        for p in problems:
            style = "red" if p.severity == "error" else "yellow"
            console.print(f"[{style}]{escape(str(p))}[/]", soft_wrap=True)
        verdict = "[green]valid[/]" if not errors else f"[red]{len(errors)} error(s)[/]"
        console.print(f"Case {escape(service.case_name(proj, name))}: {verdict}, "
                      f"{len(problems) - len(errors)} warning(s)")
    if errors:
        raise typer.Exit(1)


@case_app.command("schema")
def case_schema(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the JSON Schema here.")] = None,
) -> None:
    """Print (or write) the JSON Schema of the case files."""
    from ..case.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Wrote {escape(str(out))}")
    else:
        print(text)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")

    @app.command()
    def link(project: ProjectOpt = None, case: CaseOpt = None, json_: JsonOpt = False) -> None:  # type: ignore[assignment]
        """Find mentions of every case entity in the whole corpus again (aliases, checked acronyms).

        Ingest links new documents by itself; run this after changing a case's aliases.
        """
        proj = open_project(project)
        res = service.link_case(proj, case)
        if json_:
            emit_json(res)
        else:
            console.print(f"[green]Linked[/] {res.mentions} mentions of {res.entities} entities in "
                          f"{res.documents} documents ({res.rejected_acronyms} acronym hits rejected "
                          "by date window or context)")

    @app.command("mentions")
    def mentions_cmd(
        entity: Annotated[str, typer.Argument(help="Entity id, e.g. security-subcommittee.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: CaseOpt = None,
        json_: JsonOpt = False,
    ) -> None:
        """Where an entity is mentioned: first and last mention, counts by month, documents."""
        proj = open_project(project)
        rep = service.mentions(proj, entity, case)
        if json_:
            emit_json(rep)
            return
        console.print(f"[bold]{escape(entity)}[/]: {rep.total} mentions in {len(rep.documents)} documents")
        if rep.first:
            console.print(f"First: {rep.first.date} {rep.first.key}   Last: {rep.last.date} {rep.last.key}")
        if rep.surfaces:
            console.print("Written as: " + ", ".join(f"{escape(s)} ({n})" for s, n in rep.surfaces.items()))
        if rep.by_month:
            peak = max(rep.by_month.values())
            t = Table(title="By month", box=None)
            t.add_column("Month")
            t.add_column("Mentions", justify="right")
            t.add_column("")
            for m, n in rep.by_month.items():
                t.add_row(m, str(n), "█" * max(1, round(20 * n / peak)))
            console.print(t)
        if rep.undated:
            console.print(f"[dim]{rep.undated} mentions in undated documents (editorial notes)[/]")
        dt = Table(title="Documents", show_lines=True, expand=True)
        dt.add_column("Document", style="cyan", no_wrap=True)
        dt.add_column("Date", no_wrap=True)
        dt.add_column("n", justify="right")
        dt.add_column("First mention", ratio=1)
        for d in rep.documents:
            dt.add_row(d.key, d.date or "—", str(d.count), highlighted(d.context))
        console.print(dt)

    @app.command()
    def entity(
        entity_id: Annotated[str, typer.Argument(metavar="ENTITY", help="Entity id, e.g. security-subcommittee.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: CaseOpt = None,
        json_: JsonOpt = False,
    ) -> None:
        """The entity card: names (English and Japanese), dates, level, initiative, evidence."""
        proj = open_project(project)
        card = service.entity_card(proj, entity_id, case)
        ent = card.entity
        if json_:
            emit_json({"kind": card.kind, "entity": ent, "evidence": card.evidence,
                       "mentions": {"total": card.mentions.total, "documents": len(card.mentions.documents),
                                    "first": card.mentions.first, "last": card.mentions.last},
                       "sources": card.sources})
            return
        lines = []
        if ent.name.ja:
            lines.append(f"[bold]{escape(ent.name.ja)}[/] ({ent.name.ja_status})")
        for label, attr in (("Kind", "kind"), ("Established", "established"), ("Proposed", "proposed"),
                            ("Ended", "ended"), ("Date", "date"), ("Level", "level"),
                            ("Proposed by", "proposed_by"), ("Outcome", "outcome"), ("Side", "side")):
            value = getattr(ent, attr, None)
            if value is not None:
                shown = value.human() + f"  [dim]({value.precision})[/]" if hasattr(value, "human") else str(value)
                lines.append(f"{label}: {shown}")
        for label, attr in (("Mandate", "mandate"), ("Initiative", "initiative_note"), ("About", "description")):
            value = getattr(ent, attr, None)
            if value:
                lines.append(f"{label}: {escape(str(value))}")
        if getattr(ent, "aliases", None) and (ent.aliases.en or ent.aliases.ja):
            lines.append("Also: " + escape(", ".join([*ent.aliases.en, *ent.aliases.ja])))
        m = card.mentions
        lines.append(f"Mentions: {m.total} in {len(m.documents)} documents"
                     + (f", {m.first.date} – {m.last.date}" if m.first else ""))
        console.print(Panel("\n".join(lines), title=f"[bold]{escape(ent.name.en)}[/] · {card.kind}",
                            title_align="left"))
        if ent.citations:
            console.rule("Citations")
            for c in ent.citations:
                if c.document:
                    q = f' "{escape(c.quote)}"' if c.quote else ""
                    console.print(f"• {c.document}{f' ¶{c.paragraph}' if c.paragraph is not None else ''}{q}")
                else:
                    src = card.sources.get(c.source)
                    title = f"{src.author or ''}, {src.title or ''} ({src.year or 'n.d.'})" if src else c.source
                    console.print(f"• {escape(title)}{', ' + escape(c.pages) if c.pages else ''}")
                if c.note:
                    console.print(f"  [dim]{escape(c.note)}[/]")
        if card.evidence:
            console.rule("Evidence")
            for e in card.evidence:
                console.print(f"• [{e.stance}] {e.document} ¶{e.paragraph}: \"{escape(e.quote)}\"")

    @app.command()
    def timeline(
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: CaseOpt = None,
        chart: Annotated[Optional[Path], typer.Option(help="Chart file (.svg/.png); default exports/timeline.svg and .png.")] = None,
        no_chart: Annotated[bool, typer.Option("--no-chart", help="Print only.")] = False,
        json_: JsonOpt = False,
    ) -> None:
        """The case's chronology (institutions, plans, events) with evidence, and its chart."""
        proj = open_project(project)
        target = None if no_chart else (chart or proj.exports_dir / "timeline")
        case_obj, items, written = service.case_timeline(proj, case, chart=target)
        if json_:
            emit_json({"items": [{**i.__dict__, "start": str(i.start) if i.start else None,
                                  "end": str(i.end) if i.end else None, "precision": i.precision}
                                 for i in items], "charts": [str(w) for w in written]})
            return
        t = Table(title=case_obj.info.title.en, expand=True)
        for col in ("Date", "Kind", "Name", "日本語", "Level", "Proposed by", "Cites", "Evid."):
            t.add_column(col, overflow="fold")
        style = {"institution": "bold", "plan": "cyan", "event": "red"}
        for i in items:
            date = (i.start.human() if i.start else "—") + (f" – {i.end.human()}" if i.end else "")
            name = i.label + (" [dim](failed)[/]" if i.outcome == "proposed-failed" else "")
            t.add_row(date, f"[{style[i.kind]}]{i.kind}[/]", name, i.label_ja or "", i.level or "",
                      i.proposed_by or "", str(i.citations), str(i.evidence))
        console.print(t)
        for w in written:
            console.print(f"Chart written to {escape(str(w))}")
