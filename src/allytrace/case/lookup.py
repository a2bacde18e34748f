"""Document lookups for validation when no project database is at hand.

``validate_case`` takes any ``lookup(doc_key) -> Document | None``. The store supplies the
real one; these build the same thing from FRUS volume files or from documents already in
memory (tests, one-off checks), so the case layer never depends on the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..sources.frus import read_volume
from ..sources.records import Document


def lookup_from_documents(documents: Iterable[Document]) -> Callable[[str], Document | None]:
    """A lookup over documents in memory, keyed by ``Document.key``."""
    table = {d.key: d for d in documents}
    return table.get


def lookup_from_volumes(*paths: str | Path) -> Callable[[str], Document | None]:
    """Read FRUS TEI volumes once and look documents up by key (``frus1964-68v29p2/d87``)."""
    docs: list[Document] = []
    for path in paths:
        docs.extend(item for item in read_volume(path) if isinstance(item, Document))
    return lookup_from_documents(docs)
