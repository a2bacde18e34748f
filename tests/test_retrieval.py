"""Evidence retrieval: the paragraph index (incremental, resumable, no stale rows), BM25 + dense
fusion with date windows and citations, the `evidence` CLI — on the synthetic volume with the
deterministic hashing model, and on the real volume with the real model (integration)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import typer

from allytrace.analysis.embedding import DEFAULT_MODEL, EmbeddingModel, HashingModel, get_model
from allytrace.analysis.retrieval import find_evidence, to_fts_query
from allytrace.errors import QueryError
from allytrace.project import Project
from allytrace.store.paragraphs import (
    FTS,
    build_embeddings,
    build_fts,
    build_index,
    drop_embeddings,
    embedding_index,
    fts_rowid,
    index_status,
    pending_documents,
    split_rowid,
    stale_model_keys,
)
from testdata import MINI

VOLUME = "frus-test-v1"


# -- helpers ---------------------------------------------------------------------------------
def _vocab(conn: sqlite3.Connection) -> list[tuple]:
    """Every (term, rowid, offset) of the FTS index: equal vocabularies mean equal indexes."""
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, {FTS}, 'instance')")
    return conn.execute("SELECT term, doc, col, offset FROM temp.vocab ORDER BY 1, 2, 3, 4").fetchall()


def _expected_rowids(conn: sqlite3.Connection) -> set[int]:
    return {fts_rowid(d, i) for d, i in conn.execute("SELECT doc, idx FROM paragraphs")}


def _indexed_rowids(conn: sqlite3.Connection) -> set[int]:
    return {r[1] for r in _vocab(conn)}


def _changed_copy(tmp_path: Path) -> Path:
    """The synthetic volume with d1 and d2 edited (the same document ids, new text)."""
    changed = tmp_path / "mini-changed.xml"
    changed.write_text(
        MINI.read_text(encoding="utf-8").replace("China's bomb.", "China's device.").replace("Policy planning", "Economic"),
        encoding="utf-8",
    )
    return changed


def _fresh(tmp_path: Path, volume: Path, name: str) -> Project:
    project = Project.init(tmp_path / name)
    project.corpus.ingest(volume)
    return project


@pytest.fixture
def mini(mini_project):
    build_index(mini_project.db, get_model("hashing"))
    return mini_project


# -- query formulation ------------------------------------------------------------------------
def test_free_text_becomes_an_or_of_stemmed_content_words():
    assert to_fts_query("Japanese concern about Chinese nuclear weapons") == (
        "japanese* OR concern* OR chinese* OR nuclear* OR weapon*"
    )
    # short words stay whole (no 'war*' matching 'ward'); repeats collapse; digits kept
    assert to_fts_query("the war and the wars of 1964") == '"war" OR "wars" OR "1964"'


def test_fts_syntax_passes_through():
    assert to_fts_query('"Security Subcommittee" OR SSC') == '"Security Subcommittee" OR SSC'
    assert to_fts_query("consult*") == "consult*"


@pytest.mark.parametrize("bad", ["", "   ", "the of and", '"unbalanced phrase', "NEAR(a b", "nuclear AND"])
def test_bad_queries_raise_query_error(mini, bad):
    with pytest.raises(QueryError):
        find_evidence(mini.db, bad, model="hashing")


@pytest.mark.parametrize(
    "kwargs", [{"before": "1967-13"}, {"after": "yesterday"}, {"after": "1968", "before": "1967"}, {"method": "magic"}]
)
def test_bad_options_raise_query_error(mini, kwargs):
    with pytest.raises(QueryError):
        find_evidence(mini.db, "nuclear", model="hashing", **kwargs)


# -- retrieval on the synthetic volume ----------------------------------------------------------
@pytest.mark.parametrize("method", ["fused", "bm25", "dense"])
def test_each_method_finds_the_passage_and_cites_it(mini, method):
    res = find_evidence(mini.db, "Chinese nuclear test and Japanese attitudes", model="hashing", method=method)
    top = res.passages[0]
    assert (top.key, top.paragraph) == (f"{VOLUME}/d5", 0)
    assert top.text == "The Chinese nuclear test of October 16 changed Japanese attitudes toward nuclear weapons."
    assert top.url == f"https://history.state.gov/historicaldocuments/{VOLUME}/d5"
    assert top.date == "1964-10" and top.doc_id == "d5" and top.volume_id == VOLUME
    if method != "dense":
        assert top.bm25_rank == 1 and top.bm25 > 0
    if method != "bm25":
        assert top.dense_rank == 1 and 0 < top.dense <= 1.0
    assert res.method == method and (res.model == "hashing@1") == (method != "bm25")


def test_fusion_rewards_agreement_and_reports_both_ranks(mini):
    res = find_evidence(mini.db, "were the Policy Planning consultations useful", model="hashing", limit=20)
    scores = [p.score for p in res.passages]
    assert scores == sorted(scores, reverse=True)
    top = res.passages[0]
    assert (top.key, top.bm25_rank, top.dense_rank) == (f"{VOLUME}/d3", 1, 1)
    assert top.score == pytest.approx(2 / 61, abs=1e-6)
    # a passage only one ranker returned has the other's rank missing, not invented
    assert all((p.bm25 is None) == (p.bm25_rank is None) for p in res.passages)


def test_date_window_keeps_documents_wholly_inside_it(mini):
    q = "nuclear umbrella Security Subcommittee Policy Planning Chinese test"
    everything = {p.doc_id for p in find_evidence(mini.db, q, model="hashing", limit=50).passages}
    assert {"d1", "d2", "d3", "d5"} <= everything
    before = {p.doc_id for p in find_evidence(mini.db, q, model="hashing", before="1965", limit=50).passages}
    assert before == {"d5"}  # the undated editorial note d1 is left out once a window is given
    after = {p.doc_id for p in find_evidence(mini.db, q, model="hashing", after="1967-04", limit=50).passages}
    assert after == {"d3"}
    both = {p.doc_id for p in find_evidence(mini.db, q, model="hashing", after="1967-03", before="1967-03-31", limit=50).passages}
    assert both == {"d2"}
    # d3 runs 1967-05-01/1967-05-03: not wholly before May 2
    assert "d3" not in {p.doc_id for p in find_evidence(mini.db, q, model="hashing", before="1967-05-02", limit=50).passages}


def test_min_words_and_per_document_cap(mini):
    q = "nuclear umbrella China bomb Sato Security Subcommittee points raised"
    res = find_evidence(mini.db, q, model="hashing", limit=50)
    assert any(len(p.text.split()) < 3 for p in res.passages)
    long_only = find_evidence(mini.db, q, model="hashing", limit=50, min_words=3)
    assert long_only.passages and all(len(p.text.split()) >= 3 for p in long_only.passages)
    capped = find_evidence(mini.db, q, model="hashing", limit=50, per_document=1)
    keys = [p.key for p in capped.passages]
    assert len(keys) == len(set(keys))


# -- the index: incremental, resumable, never stale ----------------------------------------------
def test_rowids_round_trip():
    assert split_rowid(fts_rowid(1234, 56)) == (1234, 56)
    with pytest.raises(ValueError):
        fts_rowid(1, 100_000)


def test_index_in_two_halves_equals_one_build_without_duplicates(mini_project, tmp_path):
    conn = mini_project.db
    model = get_model("hashing")
    first = build_fts(conn, max_documents=2)
    assert (first.documents, first.remaining) == (2, 3)
    half = build_embeddings(conn, model, max_documents=2)
    assert (half.documents, half.remaining) == (2, 3)
    assert len(pending_documents(conn, FTS)) == 3
    rest = build_fts(conn)
    assert (rest.documents, rest.remaining) == (3, 0)
    assert build_embeddings(conn, model).remaining == 0
    # running again finds nothing to do
    assert build_fts(conn).documents == 0 and build_embeddings(conn, model).documents == 0
    fresh = _fresh(tmp_path, MINI, "fresh")
    build_index(fresh.db, model)
    assert _vocab(conn) == _vocab(fresh.db)
    assert _indexed_rowids(conn) == _expected_rowids(conn)
    n_par = conn.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model.key,)).fetchone()[0] == n_par
    status = index_status(conn)
    assert status.fts_complete and status.embeddings_complete(model.key)
    assert status.embedded_paragraphs[model.key] == n_par


def test_interrupted_build_keeps_finished_batches_and_resumes(mini_project, tmp_path):
    conn = mini_project.db
    model = get_model("hashing")
    calls = []

    def interrupt_after_first_batch(what, done, total):
        calls.append((what, done, total))
        if done > 0:
            raise KeyboardInterrupt

    for build in (lambda: build_fts(conn, batch_paragraphs=2, progress=interrupt_after_first_batch),
                  lambda: build_embeddings(conn, model, batch_paragraphs=2, progress=interrupt_after_first_batch)):
        with pytest.raises(KeyboardInterrupt):
            build()
    assert calls[0] == (FTS, 0, 5)
    done_fts = 5 - len(pending_documents(conn, FTS))
    done_emb = 5 - len(pending_documents(conn, embedding_index(model.key)))
    assert 0 < done_fts < 5 and 0 < done_emb < 5  # committed batches survive the interrupt
    assert not conn.in_transaction
    build_index(conn, model)
    fresh = _fresh(tmp_path, MINI, "fresh")
    build_index(fresh.db, model)
    assert _vocab(conn) == _vocab(fresh.db)
    assert conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == conn.execute(
        "SELECT count(*) FROM paragraphs"
    ).fetchone()[0]


def test_reingest_leaves_no_stale_index_rows(mini_project, tmp_path):
    conn = mini_project.db
    model = get_model("hashing")
    build_index(conn, model)
    assert find_evidence(conn, "bomb", model="hashing", method="bm25").passages
    assert find_evidence(conn, "China's bomb", model="hashing", method="dense").passages[0].text == "China's bomb."
    changed = _changed_copy(tmp_path)
    mini_project.corpus.ingest(changed)  # replaces the volume in one transaction
    assert len(pending_documents(conn, FTS)) == 5  # every document is new to the index
    assert not conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert not _indexed_rowids(conn)  # the old rows went with the old documents
    build_index(conn, model)
    assert not find_evidence(conn, "bomb", model="hashing", method="bm25").passages
    hit = find_evidence(conn, "device", model="hashing", method="bm25").passages[0]
    assert hit.text == "China's device."
    # the dense side sees the new vectors too (no cached matrix outlives a change)
    assert find_evidence(conn, "China's device", model="hashing", method="dense").passages[0].text == "China's device."
    fresh = _fresh(tmp_path, changed, "fresh")
    build_index(fresh.db, model)
    assert _vocab(conn) == _vocab(fresh.db)
    assert _indexed_rowids(conn) == _expected_rowids(conn)


def test_text_changed_while_encoding_is_not_given_the_old_vectors(mini_project, tmp_path):
    conn = mini_project.db
    changed = _changed_copy(tmp_path)

    class ReingestingModel(HashingModel):
        """Re-ingests an edited volume while the build is encoding its first batch."""

        calls = 0

        def encode_passages(self, texts):  # type: ignore[no-untyped-def]
            if ReingestingModel.calls == 0:
                mini_project.corpus.ingest(changed)
            ReingestingModel.calls += 1
            return super().encode_passages(texts)

    model = ReingestingModel()
    index = embedding_index(model.key)
    build_embeddings(conn, model, batch_paragraphs=100)  # one batch: every document
    pending = {conn.execute("SELECT id FROM documents WHERE rowid = ?", (d,)).fetchone()[0]
               for d in pending_documents(conn, index)}
    assert pending == {"d1", "d2"}  # the edited ones wait; the unchanged ones were filed
    build_embeddings(conn, model)
    assert not pending_documents(conn, index)
    rows = conn.execute(
        "SELECT p.text, e.vector FROM embeddings e JOIN paragraphs p ON p.doc = e.doc AND p.idx = e.idx"
    ).fetchall()
    assert len(rows) == conn.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
    for text, blob in rows:
        np.testing.assert_array_equal(np.frombuffer(blob, dtype="<f4"), model.encode_passages([text])[0])


def test_removing_a_volume_removes_its_index_rows(mini_project):
    conn = mini_project.db
    build_index(conn, get_model("hashing"))
    mini_project.corpus.remove(VOLUME)
    assert not _indexed_rowids(conn)
    assert not conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert not conn.execute("SELECT count(*) FROM index_state").fetchone()[0]


def test_other_model_versions_are_found_and_dropped(mini_project):
    conn = mini_project.db
    model = get_model("hashing")
    build_index(conn, model)
    conn.execute("UPDATE embeddings SET model = 'hashing@0'")
    conn.execute("UPDATE index_state SET what = 'emb:hashing@0' WHERE what = ?", (embedding_index(model.key),))
    assert stale_model_keys(conn, model) == ["hashing@0"]
    assert drop_embeddings(conn, "hashing@0") == conn.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
    assert stale_model_keys(conn, model) == [] and len(pending_documents(conn, embedding_index(model.key))) == 5


def test_dense_search_without_vectors_returns_nothing(mini_project):
    build_fts(mini_project.db)
    res = find_evidence(mini_project.db, "nuclear", model="hashing", method="dense")
    assert res.passages == []
    assert find_evidence(mini_project.db, "nuclear", model="hashing").passages  # BM25 still answers


# -- the CLI ---------------------------------------------------------------------------------------
@pytest.fixture
def evidence_cli(run_cli, monkeypatch):
    """run_cli over an app holding only the evidence sub-app (until it is wired into the CLI)."""
    import allytrace.cli as cli
    from allytrace.cli.evidence import register

    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """test app"""

    register(app)
    monkeypatch.setattr(cli, "app", app)
    return run_cli


@pytest.fixture
def mini_dir(mini_project):
    return mini_project.root


def test_cli_index_then_find_json(evidence_cli, mini_dir):
    code, out, err = evidence_cli("evidence", "index", "-p", mini_dir, "--model", "hashing", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"]["fts_documents"] == 5 and data["status"]["embedded_documents"] == {"hashing@1": 5}
    code, out, err = evidence_cli(
        "evidence", "find", "Chinese nuclear test", "-p", mini_dir, "--model", "hashing", "--json", "--before", "1965"
    )
    assert code == 0, err
    res = json.loads(out)
    assert res["before"] == "1965" and res["model"] == "hashing@1"
    assert [p["key"] for p in res["passages"]] == [f"{VOLUME}/d5"]
    assert res["passages"][0]["url"].endswith(f"{VOLUME}/d5")


def test_cli_find_builds_a_missing_index_and_prints_a_table(evidence_cli, mini_dir):
    code, out, err = evidence_cli("evidence", "find", "Security Subcommittee", "-p", mini_dir, "--model", "hashing")
    assert code == 0, err
    assert f"{VOLUME}/d2" in out and "Sato raised" in out and "BM25 query" in out


def test_cli_bad_query_is_one_line_and_exit_1(evidence_cli, mini_dir, mini_project):
    code, out, err = evidence_cli("evidence", "find", '"unbalanced', "-p", mini_dir, "--model", "hashing", "--json")
    assert code == 1 and "Traceback" not in err and "quote" in err and out == ""
    code, out, err = evidence_cli("evidence", "find", "nuclear", "-p", mini_dir, "--model", "hashing", "--before", "1967-02-30")
    assert code == 1 and "bad date" in err and "Traceback" not in err
    assert index_status(mini_project.db).fts_documents == 0  # refused before any indexing


def test_cli_eval_needs_the_sample_volume(evidence_cli, mini_dir):
    code, _, err = evidence_cli("evidence", "eval", "-p", mini_dir, "--model", "hashing")
    assert code == 1 and "frus1964-68v29p2" in err and "Traceback" not in err


def test_cli_unknown_model(evidence_cli, mini_dir):
    code, _, err = evidence_cli("evidence", "find", "nuclear", "-p", mini_dir, "--model", "nope")
    assert code == 1 and "unknown embedding model" in err


# -- the real volume with the real model (integration) ----------------------------------------------
class _MemoModel(EmbeddingModel):
    """The real model, its passage vectors memoised on disk across test runs.

    Encoding the 1,928 paragraphs of the sample volume takes minutes on two cores; the
    vectors depend only on the model's weights (its key) and the text, so they are kept in
    ``~/.cache/allytrace-tests`` under both. The index is still built by the code under test;
    only the model's arithmetic is memoised. ``ALLYTRACE_TEST_NO_CACHE=1`` turns it off.
    """

    def __init__(self, model: EmbeddingModel) -> None:
        self.model, self.name, self.dim = model, model.name, model.dim
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        self.path = base / "allytrace-tests" / f"{model.key}.npz"
        self.off = os.environ.get("ALLYTRACE_TEST_NO_CACHE") == "1"
        self.memo: dict[str, np.ndarray] = {}
        if not self.off and self.path.is_file():
            with np.load(self.path) as data:
                self.memo = dict(zip(data["keys"].tolist(), data["vectors"]))

    @property
    def version(self) -> str:
        return self.model.version

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        return self.model.encode_queries(texts)

    def encode_passages(self, texts):  # type: ignore[no-untyped-def]
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.memo]
        if missing:
            new = self.model.encode_passages([texts[i] for i in missing])
            for i, vec in zip(missing, new):
                self.memo[keys[i]] = vec
        return np.stack([self.memo[k] for k in keys]) if keys else self.model.encode_passages([])

    def save(self) -> None:
        if self.off or not self.memo:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=np.array(list(self.memo)), vectors=np.stack(list(self.memo.values())))
        os.replace(tmp, self.path)


@pytest.fixture(scope="session")
def frus_evidence(tmp_path_factory, frus_path):
    """The sample volume ingested and indexed with the default model, once per test run.

    pytest-xdist workers share one project: the first builds it under a file lock, the
    others wait and reuse it (incremental indexing finds nothing left to do).
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    root = (base.parent / f"evidence-{run}") if run else (base / "evidence")
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        project = Project.init(root / "proj")
        if not project.corpus.has("frus1964-68v29p2/d1"):
            project.corpus.ingest(frus_path)
        model = _MemoModel(get_model(DEFAULT_MODEL))
        build_index(project.db, model)
        model.save()
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield project
    project.close()


@pytest.mark.integration
def test_required_find_command_returns_cited_passages(frus_evidence, evidence_cli):
    code, out, err = evidence_cli(
        "evidence", "find", "Japanese concern about Chinese nuclear weapons", "-p", frus_evidence.root, "--json"
    )
    assert code == 0, err
    res = json.loads(out)
    passages = res["passages"]
    assert len(passages) == 10 and res["model"].startswith(DEFAULT_MODEL)
    conn = frus_evidence.db
    for p in passages:
        assert p["key"].startswith("frus1964-68v29p2/d")
        assert p["url"] == f"https://history.state.gov/historicaldocuments/{p['key']}"
        stored = conn.execute(
            "SELECT p.text FROM paragraphs p JOIN documents d ON d.rowid = p.doc WHERE d.key = ? AND p.idx = ?",
            (p["key"], p["paragraph"]),
        ).fetchone()[0]
        assert p["text"] == stored  # the quote is the document's own text
    # the documents known to discuss it (see data/retrieval_eval.yaml) lead the list
    relevant = {"d42", "d74", "d104", "d106", "d113", "d58", "d82", "d70", "d119"}
    assert relevant & {p["doc_id"] for p in passages[:5]}
    assert len(relevant & {p["doc_id"] for p in passages}) >= 3


@pytest.mark.integration
def test_real_date_window(frus_evidence):
    res = find_evidence(
        frus_evidence.db, "Japanese concern about Chinese nuclear weapons", before="1965-12-31", after="1964-10-16"
    )
    assert res.passages
    for p in res.passages:
        lo, hi = frus_evidence.db.execute(
            "SELECT date_start, date_end FROM documents WHERE key = ?", (p.key,)
        ).fetchone()
        assert "1964-10-16" <= lo <= hi <= "1965-12-31"
