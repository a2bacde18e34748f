"""Retrieval evaluation: recall@k and nDCG@k of BM25, dense and fused retrieval.

The labelled set (``data/retrieval_eval.yaml``) holds claims and paraphrased questions about
the Japan–U.S. alliance with the documents of the sample FRUS volume that are relevant to
each, graded 2 (addresses it directly) or 1 (relevant). Retrieval works on paragraphs; the
evaluation turns each ranked list of paragraphs into a ranked list of documents (each
document at the rank of its best paragraph) and scores the first ``k`` documents:

- **recall@k**: the share of a query's relevant documents found in the top ``k``;
- **nDCG@k**: discounted cumulative gain with gain ``2**grade - 1``, divided by the gain
  of the ideal ordering of the labelled documents (Järvelin and Kekäläinen, 2002).

Both are averaged over the queries, overall and per kind (``claim`` / ``paraphrase``).

    >>> ndcg_at_k(["d1", "d9", "d2"], {"d1": 2, "d2": 1}, k=10)        # doctest: +ELLIPSIS
    0.96...
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import AllytraceError, NotFoundError
from .embedding import EmbeddingModel, get_model
from .retrieval import METHODS, find_evidence

EVAL_SET = "retrieval_eval.yaml"


class EvalSetError(AllytraceError):
    """The labelled set is malformed."""


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    kind: str  # claim | paraphrase
    relevant: dict[str, int]  # document key → grade (1 or 2)
    paragraphs: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class QueryScore:
    id: str
    kind: str
    recall: float
    ndcg: float
    retrieved: list[str]  # the top-k document keys


@dataclass
class MethodScore:
    method: str
    recall: float
    ndcg: float
    by_kind: dict[str, dict[str, float]]  # kind → {"recall": …, "ndcg": …, "queries": n}
    queries: list[QueryScore]


@dataclass
class EvalReport:
    model: str | None
    k: int
    queries: int
    volume: str
    methods: dict[str, MethodScore]
    seconds: float


def load_eval_set(path: str | Path | None = None) -> tuple[str, list[EvalQuery]]:
    """The labelled set: ``(volume id, queries)``; the packaged one unless ``path`` is given."""
    from ruamel.yaml import YAML

    if path is None:
        text = resources.files("allytrace.analysis").joinpath("data", EVAL_SET).read_text(encoding="utf-8")
        where = EVAL_SET
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = str(path)
    data = YAML(typ="safe").load(text)
    try:
        volume = str(data["volume"])
        items = data["queries"]
    except (TypeError, KeyError) as exc:
        raise EvalSetError(f"{where}: needs 'volume' and 'queries' ({exc})") from None
    queries: list[EvalQuery] = []
    seen: set[str] = set()
    for n, q in enumerate(items, start=1):
        try:
            qid, text_, kind = str(q["id"]), str(q["query"]), str(q.get("kind", "claim"))
            relevant = {f"{volume}/{d}": int(g) for d, g in dict(q["relevant"]).items()}
            paragraphs = {f"{volume}/{d}": [int(i) for i in v] for d, v in dict(q.get("paragraphs") or {}).items()}
        except (TypeError, KeyError, ValueError) as exc:
            raise EvalSetError(f"{where}: query {n} is malformed ({exc!r})") from None
        if qid in seen:
            raise EvalSetError(f"{where}: query id {qid!r} is repeated")
        if kind not in ("claim", "paraphrase"):
            raise EvalSetError(f"{where}: query {qid!r}: kind must be claim or paraphrase")
        if not relevant or any(g not in (1, 2) for g in relevant.values()):
            raise EvalSetError(f"{where}: query {qid!r}: give relevant documents graded 1 or 2")
        if not set(paragraphs) <= set(relevant):
            raise EvalSetError(f"{where}: query {qid!r}: paragraphs named for a document not marked relevant")
        seen.add(qid)
        queries.append(EvalQuery(qid, text_, kind, relevant, paragraphs))
    return volume, queries


# -- metrics -------------------------------------------------------------------------------------
def recall_at_k(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """Share of the relevant documents among the first ``k`` of ``ranked``."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant)


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k`` with gain ``2**grade - 1``."""

    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))

    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(d, 0) for d in ranked[:k]]) / ideal


def documents_in_order(keys: list[str]) -> list[str]:
    """Each document once, at the rank of its first (best) paragraph."""
    return list(dict.fromkeys(keys))


# -- running -------------------------------------------------------------------------------------
def require_volume(conn: sqlite3.Connection, volume: str) -> None:
    """Raise NotFoundError unless the project holds ``volume`` (the labelled set's corpus)."""
    if not conn.execute("SELECT 1 FROM volumes WHERE id = ?", (volume,)).fetchone():
        raise NotFoundError(
            f"the labelled set is about volume {volume}, which this project does not hold",
            hint=f"ingest it first: allytrace ingest {volume}.xml (or allytrace fetch {volume})",
        )


def evaluate(
    conn: sqlite3.Connection,
    model: EmbeddingModel | str | None = None,
    *,
    queries: list[EvalQuery] | None = None,
    volume: str | None = None,
    methods: tuple[str, ...] = METHODS,
    k: int = 10,
    depth: int = 200,
    **retrieval_options,  # type: ignore[no-untyped-def]
) -> EvalReport:
    """Score each retrieval method on the labelled set (the packaged one by default).

    The project must hold the set's volume, indexed (``allytrace evidence index``).
    ``retrieval_options`` go to :func:`~allytrace.analysis.retrieval.find_evidence`.
    """
    started = time.perf_counter()
    if queries is None:
        volume, queries = load_eval_set()
    if volume:
        require_volume(conn, volume)
    emb = None
    if any(m != "bm25" for m in methods):
        emb = model if isinstance(model, EmbeddingModel) else get_model(model)
    scores: dict[str, MethodScore] = {}
    for method in methods:
        per_query: list[QueryScore] = []
        for q in queries:
            res = find_evidence(
                conn, q.query, model=emb, method=method, limit=depth, pool=depth, **retrieval_options
            )
            ranked = documents_in_order([p.key for p in res.passages])[:k]
            per_query.append(
                QueryScore(q.id, q.kind, recall_at_k(ranked, q.relevant, k), ndcg_at_k(ranked, q.relevant, k), ranked)
            )
        scores[method] = MethodScore(
            method=method,
            recall=_mean([s.recall for s in per_query]),
            ndcg=_mean([s.ndcg for s in per_query]),
            by_kind={
                kind: {
                    "recall": _mean([s.recall for s in per_query if s.kind == kind]),
                    "ndcg": _mean([s.ndcg for s in per_query if s.kind == kind]),
                    "queries": sum(1 for s in per_query if s.kind == kind),
                }
                for kind in sorted({s.kind for s in per_query})
            },
            queries=per_query,
        )
    return EvalReport(
        model=emb.key if emb else None, k=k, queries=len(queries), volume=volume or "",
        methods=scores, seconds=time.perf_counter() - started,
    )


def _mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0
