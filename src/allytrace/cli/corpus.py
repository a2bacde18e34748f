"""Corpus commands: init, ingest, fetch, search, kwic, trend, show, cite, export, stats."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..project import Project
from ..store.search import Filters, kwic, search
from ._common import JsonOpt, ProjectOpt, console, emit_json, highlighted, open_project, plain

# Filters are the same for search, kwic, trend and export.
DateFrom = Annotated[Optional[str], typer.Option("--from", help="Earliest date (YYYY[-MM[-DD]]).")]
DateTo = Annotated[Optional[str], typer.Option("--to", help="Latest date (YYYY[-MM[-DD]]).")]
VolumeOpt = Annotated[Optional[str], typer.Option("--volume", help="Volume id, e.g. frus1964-68v29p2.")]
PersonOpt = Annotated[Optional[str], typer.Option("--person", help="Person id (p_RD3) or part of a name.")]
SenderOpt = Annotated[Optional[str], typer.Option("--from-sender", "--sender", help="Part of the sender.")]
RecipientOpt = Annotated[Optional[str], typer.Option("--to-recipient", "--recipient", help="Part of the recipient.")]
ClassOpt = Annotated[Optional[str], typer.Option("--classification", help="Part of the marking: Secret, Exdis.")]
KindOpt = Annotated[Optional[str], typer.Option("--kind", help="document, editorial-note or withheld.")]


class Sort(str, Enum):
    rank = "rank"
    date = "date"


class CiteFormat(str, Enum):
    chicago = "chicago"
    short = "short"
    bibliography = "bibliography"
    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"
    url = "url"


class ExportFormat(str, Enum):
    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"
    csv = "csv"
    json = "json"


def _filters(date_from, date_to, volume, person, sender, recipient, classification, kind) -> Filters:  # type: ignore[no-untyped-def]
    return Filters(date_from, date_to, volume, person, sender, recipient, classification, kind)


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        path: Annotated[Path, typer.Argument(help="Folder to create (default: current).")] = Path("."),
        name: Annotated[Optional[str], typer.Option(help="Project name.")] = None,
        json_: JsonOpt = False,
    ) -> None:
        """Create a project folder: settings, database, cases/ and exports/."""
        project = Project.init(path, name=name)
        if json_:
            emit_json({"project": str(project.root.resolve()), "database": str(project.db_path)})
        else:
            console.print(f"[green]Project ready[/] at {escape(str(project.root.resolve()))}")
            console.print("Next: [bold]allytrace ingest VOLUME.xml[/] or [bold]allytrace fetch VOLUME_ID[/]")

    @app.command()
    def ingest(
        paths: Annotated[list[Path], typer.Argument(help="FRUS TEI volume files (.xml).")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        json_: JsonOpt = False,
    ) -> None:
        """Ingest FRUS TEI volumes; re-ingesting a volume replaces it in one transaction.

        Each volume is its own transaction; mentions of already-linked cases are found in
        the new documents as they are written.
        """
        from ..service import ingest_volumes

        proj = open_project(project)
        label = paths[0].name if len(paths) == 1 else f"{len(paths)} volumes"
        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True, disable=json_,
        ) as bar:
            task = bar.add_task(f"Ingesting {label}", total=None)
            results = ingest_volumes(
                proj, list(paths), progress=lambda n, total: bar.update(task, completed=n, total=total)
            )
        if json_:
            emit_json(results)
            return
        for r in results:
            verb = "Replaced" if r.replaced else "Ingested"
            console.print(
                f"[green]{verb}[/] {r.volume_id}: {r.documents} documents, {r.paragraphs} paragraphs, "
                f"{r.persons} persons, {r.terms} terms in {r.seconds:.2f} s "
                f"({r.bytes / 1e6 / max(r.seconds, 1e-9):.1f} MB/s)"
            )

    @app.command()
    def fetch(
        volume_ids: Annotated[list[str], typer.Argument(help="Volume ids, e.g. frus1964-68v29p2.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Download only.")] = False,
        json_: JsonOpt = False,
    ) -> None:
        """Download volumes from the public FRUS repository (resumable), then ingest them."""
        from ..service import ingest_volume
        from ..sources.fetch import fetch_volume

        proj = open_project(project)
        dest = proj.root / "sources"
        dest.mkdir(exist_ok=True)
        out = []
        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True, disable=json_,
        ) as bar:
            for vid in volume_ids:
                task = bar.add_task(f"Downloading {vid}", total=None)
                path = fetch_volume(
                    vid, dest, progress=lambda done, total, t=task: bar.update(t, completed=done, total=total)
                )
                item = {"volume": vid, "path": str(path)}
                if not no_ingest:
                    item["ingest"] = ingest_volume(proj, path)
                out.append(item)
        if json_:
            emit_json(out)
        else:
            for item in out:
                console.print(f"[green]Fetched[/] {item['volume']} → {escape(item['path'])}")

    @app.command("search")
    def search_cmd(
        query: Annotated[str, typer.Argument(help='FTS query: words, "phrases", AND/OR/NOT, prefix*, NEAR(a b, 10), heading:word.')] = "",
        project: ProjectOpt = None,  # type: ignore[assignment]
        date_from: DateFrom = None, date_to: DateTo = None, volume: VolumeOpt = None,
        person: PersonOpt = None, sender: SenderOpt = None, recipient: RecipientOpt = None,
        classification: ClassOpt = None, kind: KindOpt = None,
        sort: Annotated[Sort, typer.Option(help="rank (BM25) or date.")] = Sort.rank,
        limit: Annotated[int, typer.Option(help="Results to show.")] = 20,
        offset: Annotated[int, typer.Option(help="Results to skip.")] = 0,
        json_: JsonOpt = False,
    ) -> None:
        """Ranked full-text search with filters; each hit has a snippet, date and citation URL."""
        proj = open_project(project)
        f = _filters(date_from, date_to, volume, person, sender, recipient, classification, kind)
        res = search(proj.db, query, f, sort=sort.value, limit=limit, offset=offset)
        if json_:
            data = {**res.__dict__, "hits": [{**h.__dict__, "snippet": plain(h.snippet)} for h in res.hits]}
            emit_json(data)
            return
        table = Table(title=f"{res.total} documents match {query or 'the filters'}", show_lines=True, expand=True)
        table.add_column("Document", no_wrap=True, style="cyan")
        table.add_column("Date", no_wrap=True)
        table.add_column("Heading and snippet", ratio=1)
        for h in res.hits:
            body = Text(h.heading, style="bold")
            body.append("\n")
            body.append_text(highlighted(h.snippet))
            table.add_row(h.key, h.date_text or (h.date or "—"), body)
        console.print(table)
        if res.total > offset + len(res.hits):
            console.print(f"[dim]Showing {offset + 1}–{offset + len(res.hits)}; use --offset for more.[/]")

    @app.command("kwic")
    def kwic_cmd(
        query: Annotated[str, typer.Argument(help="Words or a \"phrase\" to show in context.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        date_from: DateFrom = None, date_to: DateTo = None, volume: VolumeOpt = None,
        person: PersonOpt = None, sender: SenderOpt = None, recipient: RecipientOpt = None,
        classification: ClassOpt = None, kind: KindOpt = None,
        width: Annotated[int, typer.Option(help="Characters of context on each side.")] = 50,
        limit: Annotated[int, typer.Option(help="Lines to show.")] = 200,
        json_: JsonOpt = False,
    ) -> None:
        """Keyword-in-context concordance: every occurrence, with its left and right context."""
        proj = open_project(project)
        f = _filters(date_from, date_to, volume, person, sender, recipient, classification, kind)
        lines = kwic(proj.db, query, f, width=width, limit=limit)
        if json_:
            emit_json(lines)
            return
        table = Table(title=f"{len(lines)} occurrences of {query}", expand=True, box=None)
        table.add_column("Document", style="cyan", no_wrap=True)
        table.add_column("Left", justify="right", ratio=1, no_wrap=True, overflow="crop")
        table.add_column("Match", style="bold yellow", no_wrap=True)
        table.add_column("Right", ratio=1, no_wrap=True, overflow="crop")
        for ln in lines:
            table.add_row(f"{ln.key.split('/')[-1]} ¶{ln.paragraph}", ln.left, ln.match, ln.right)
        console.print(table)

    @app.command()
    def trend(
        query: Annotated[str, typer.Argument(help="Search query whose frequency to count by year.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        date_from: DateFrom = None, date_to: DateTo = None, volume: VolumeOpt = None,
        person: PersonOpt = None, sender: SenderOpt = None, recipient: RecipientOpt = None,
        classification: ClassOpt = None, kind: KindOpt = None,
        chart: Annotated[Optional[Path], typer.Option(help="Write a chart (.svg, .png or .json).")] = None,
        json_: JsonOpt = False,
    ) -> None:
        """Term frequency by year: matching documents, occurrences, and per 100 documents."""
        from ..analysis.trends import term_trend
        from ..report.charts import save_chart, trend_chart

        proj = open_project(project)
        f = _filters(date_from, date_to, volume, person, sender, recipient, classification, kind)
        rows = term_trend(proj.db, query, f)
        if chart:
            save_chart(trend_chart(rows, query), chart)
        if json_:
            emit_json({"query": query, "years": rows, "chart": str(chart) if chart else None})
            return
        table = Table(title=f"{query} by year")
        for col in ("Year", "Documents", "Matching", "Occurrences", "Per 100 docs", ""):
            table.add_column(col, justify="right" if col not in ("", "Year") else "left")
        peak = max((r.per_100 for r in rows), default=0) or 1
        for r in rows:
            table.add_row(str(r.year), str(r.documents), str(r.matching), str(r.occurrences),
                          f"{r.per_100:.1f}", "█" * round(20 * r.per_100 / peak))
        console.print(table)
        if chart:
            console.print(f"Chart written to {escape(str(chart))}")

    @app.command()
    def show(
        document: Annotated[str, typer.Argument(help="Document id, e.g. frus1964-68v29p2/d87.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        json_: JsonOpt = False,
    ) -> None:
        """Print a document: heading, date, source note, text, footnotes, persons."""
        from ..service import document_view

        proj = open_project(project)
        view = document_view(proj, document)
        if json_:
            emit_json(view)
            return
        doc = view.document
        meta = []
        if doc.date_text or doc.place:
            meta.append(", ".join(x for x in (doc.place, doc.date_text) if x))
        if doc.source:
            meta.append(f"[dim]{escape(doc.source.text)}[/]")
        meta.append(f"[link={view.url}]{view.url}[/link]")
        console.print(Panel("\n".join(meta), title=f"[bold]{escape(doc.heading)}[/]", title_align="left"))
        marks = {}
        for fn in doc.footnotes:
            if fn.paragraph is not None:
                marks.setdefault(fn.paragraph, []).append(fn.n)
        last_page = None
        for p in doc.paragraphs:
            if p.page and p.page != last_page:
                console.print(f"[dim]— page {p.page} —[/]")
                last_page = p.page
            suffix = "".join(f" [dim]⁽{n}⁾[/]" for n in marks.get(p.index, []))
            console.print(escape(p.text) + suffix + "\n")
        notes = [fn for fn in doc.footnotes if not fn.is_source]
        if notes:
            console.rule("Footnotes")
            for fn in notes:
                console.print(f"[dim]{escape(fn.n)}.[/] {escape(fn.text)}")
        if view.persons:
            console.rule("Persons")
            for person in view.persons:
                console.print(f"[bold]{escape(person.name)}[/] — {escape(person.description)}")
        console.print(f"\n[dim]Previous: {view.previous or '—'}   Next: {view.next or '—'}[/]")

    @app.command()
    def cite(
        documents: Annotated[list[str], typer.Argument(help="Document ids, e.g. frus1964-68v29p2/d1.")],
        project: ProjectOpt = None,  # type: ignore[assignment]
        format: Annotated[CiteFormat, typer.Option("--format", "-f", help="Citation style or format.")] = CiteFormat.chicago,
        json_: JsonOpt = False,
    ) -> None:
        """Cite documents: Chicago note (default), short note, bibliography, BibTeX, RIS, CSL-JSON."""
        from ..service import cite as cite_documents

        proj = open_project(project)
        text, items = cite_documents(proj, documents, format.value)
        if json_:
            emit_json({"format": format.value, "citations": items, "text": text})
        else:
            console.print(text, markup=False, highlight=False, soft_wrap=True)

    @app.command()
    def export(
        query: Annotated[str, typer.Argument(help="Search query selecting the documents (may be empty with filters).")] = "",
        project: ProjectOpt = None,  # type: ignore[assignment]
        format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.bibtex,
        out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: exports/…).")] = None,
        date_from: DateFrom = None, date_to: DateTo = None, volume: VolumeOpt = None,
        person: PersonOpt = None, sender: SenderOpt = None, recipient: RecipientOpt = None,
        classification: ClassOpt = None, kind: KindOpt = None,
        sort: Annotated[Sort, typer.Option(help="rank or date.")] = Sort.date,
        limit: Annotated[int, typer.Option(help="At most this many documents.")] = 10_000,
        json_: JsonOpt = False,
    ) -> None:
        """Export a result set as BibTeX, RIS, CSL-JSON, CSV or JSON."""
        from ..service import export_results

        proj = open_project(project)
        f = _filters(date_from, date_to, volume, person, sender, recipient, classification, kind)
        path, count = export_results(proj, query, f, format.value, out, sort=sort.value, limit=limit)
        if json_:
            emit_json({"path": str(path), "documents": count, "format": format.value})
        else:
            console.print(f"[green]Wrote[/] {count} documents as {format.value} to {escape(str(path))}")

    @app.command()
    def stats(project: ProjectOpt = None, json_: JsonOpt = False) -> None:  # type: ignore[assignment]
        """Counts: volumes, documents by kind, dates, source notes, paragraphs, persons."""
        proj = open_project(project)
        st = proj.corpus.stats()
        if json_:
            emit_json(st)
            return
        table = Table(title=f"Project {proj.root}", show_header=False)
        for k, v in st.items():
            if k != "per_volume":
                table.add_row(k.replace("_", " "), str(v))
        console.print(table)
        vt = Table(title="Volumes")
        for col in ("Volume", "Documents", "Dated", "Source notes", "From", "To"):
            vt.add_column(col)
        for v in st["per_volume"]:
            vt.add_row(v["id"], str(v["documents"]), str(v["dated"]), str(v["with_source_note"]),
                       v["first_date"] or "—", v["last_date"] or "—")
        console.print(vt)
