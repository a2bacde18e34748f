"""Retrieval evaluation: the metrics by hand, the labelled set's integrity, and the claim that
fused retrieval beats BM25 alone on it (integration, real model)."""

from __future__ import annotations

import json
import math

import pytest

from allytrace.analysis.embedding import get_model
from allytrace.analysis.evaluation import (
    EvalQuery,
    EvalSetError,
    documents_in_order,
    evaluate,
    load_eval_set,
    ndcg_at_k,
    recall_at_k,
)
from allytrace.errors import NotFoundError
from allytrace.store.paragraphs import build_index
from test_retrieval import evidence_cli, frus_evidence  # noqa: F401 — shared fixtures


# -- metrics, checked against hand-worked values ----------------------------------------------------
def test_recall_at_k():
    rel = {"a": 2, "b": 1, "c": 1, "d": 1}
    assert recall_at_k(["a", "x", "c"], rel, k=10) == 0.5
    assert recall_at_k(["x", "y", "a"], rel, k=2) == 0.0
    assert recall_at_k([], rel) == 0.0


def test_ndcg_by_hand():
    rel = {"a": 2, "b": 1}
    # ideal: a (gain 3) at rank 1, b (gain 1) at rank 2 → 3 + 1/log2(3)
    ideal = 3 + 1 / math.log2(3)
    assert ndcg_at_k(["a", "b"], rel) == pytest.approx(1.0)
    assert ndcg_at_k(["b", "a"], rel) == pytest.approx((1 + 3 / math.log2(3)) / ideal)
    assert ndcg_at_k(["x", "a"], rel) == pytest.approx((3 / math.log2(3)) / ideal)
    assert ndcg_at_k(["x", "y"], rel) == 0.0
    # beyond k nothing counts
    assert ndcg_at_k(["x", "a"], rel, k=1) == 0.0


def test_documents_take_the_rank_of_their_best_paragraph():
    assert documents_in_order(["d2", "d2", "d5", "d2", "d1"]) == ["d2", "d5", "d1"]


# -- the labelled set --------------------------------------------------------------------------------
def test_packaged_set_is_well_formed():
    volume, queries = load_eval_set()
    assert volume == "frus1964-68v29p2"
    assert 25 <= len(queries) <= 50
    kinds = {q.kind for q in queries}
    assert kinds == {"claim", "paraphrase"}
    assert sum(q.kind == "paraphrase" for q in queries) >= 10
    assert any(q.query == "Japanese concern about Chinese nuclear weapons" for q in queries)
    for q in queries:
        assert all(k.startswith(volume + "/d") for k in q.relevant)
        assert 2 in q.relevant.values()  # every query has at least one document squarely on it


@pytest.mark.integration
def test_labels_point_at_real_documents_and_paragraphs(frus_project):
    _, queries = load_eval_set()
    conn = frus_project.db
    for q in queries:
        for key in q.relevant:
            assert frus_project.corpus.has(key), (q.id, key)
        for key, idxs in q.paragraphs.items():
            n = conn.execute(
                "SELECT count(*) FROM paragraphs p JOIN documents d ON d.rowid = p.doc WHERE d.key = ?", (key,)
            ).fetchone()[0]
            assert all(0 <= i < n for i in idxs), (q.id, key, idxs)


@pytest.mark.parametrize(
    "text, message",
    [
        ("volume: v\n", "needs 'volume' and 'queries'"),
        ("volume: v\nqueries:\n  - {id: a, query: q, relevant: {d1: 3}}\n", "graded 1 or 2"),
        ("volume: v\nqueries:\n  - {id: a, query: q, kind: poem, relevant: {d1: 1}}\n", "kind"),
        ("volume: v\nqueries:\n  - {id: a, query: q, relevant: {d1: 1}}\n  - {id: a, query: r, relevant: {d1: 1}}\n",
         "repeated"),
        ("volume: v\nqueries:\n  - {id: a, query: q, relevant: {d1: 1}, paragraphs: {d2: [0]}}\n", "not marked"),
        ("volume: v\nqueries:\n  - {id: a, relevant: {d1: 1}}\n", "malformed"),
    ],
)
def test_malformed_sets_are_rejected(tmp_path, text, message):
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalSetError, match=message):
        load_eval_set(path)


# -- running an evaluation -------------------------------------------------------------------------
def test_evaluate_on_the_synthetic_volume(mini_project):
    build_index(mini_project.db, get_model("hashing"))
    queries = [
        EvalQuery("test", "Chinese nuclear test", "claim", {"frus-test-v1/d5": 2}),
        EvalQuery("planning", "Policy Planning consultations", "paraphrase",
                  {"frus-test-v1/d3": 2, "frus-test-v1/d1": 1}),
    ]
    report = evaluate(mini_project.db, "hashing", queries=queries, volume="frus-test-v1", k=2)
    assert set(report.methods) == {"fused", "bm25", "dense"} and report.queries == 2
    for m in report.methods.values():
        assert m.recall == 1.0  # every relevant document is within the first two
        assert 0 < m.ndcg <= 1.0
        assert set(m.by_kind) == {"claim", "paraphrase"}
        assert m.queries[0].retrieved[0] == "frus-test-v1/d5"
    only = evaluate(mini_project.db, None, queries=queries, volume="frus-test-v1", methods=("bm25",))
    assert list(only.methods) == ["bm25"] and only.model is None


def test_evaluate_needs_the_labelled_volume(mini_project):
    build_index(mini_project.db)
    with pytest.raises(NotFoundError, match="frus1964-68v29p2"):
        evaluate(mini_project.db, "hashing")


@pytest.mark.integration
def test_fused_beats_bm25_on_the_labelled_set(frus_evidence, evidence_cli):  # noqa: F811
    code, out, err = evidence_cli("evidence", "eval", "-p", frus_evidence.root, "--json")
    assert code == 0, err
    report = json.loads(out)
    m = report["methods"]
    assert report["queries"] == len(load_eval_set()[1]) and report["k"] == 10
    assert m["fused"]["ndcg"] > m["bm25"]["ndcg"]
    assert m["fused"]["recall"] > m["bm25"]["recall"]
    # dense retrieval is what helps where the wording differs from the documents
    assert m["fused"]["by_kind"]["paraphrase"]["ndcg"] > m["bm25"]["by_kind"]["paraphrase"]["ndcg"]
