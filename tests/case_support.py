"""Shared by the case tests: a document lookup built from a synthetic fixture, and a
copy of the minimal case folder (a module, not a conftest, so nothing can shadow it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from allytrace.case.lookup import lookup_from_documents
from allytrace.sources.records import Document, Footnote, Paragraph

FIXTURES = Path(__file__).parent / "fixtures" / "cases"


def synthetic_lookup():
    """Documents as the FRUS reader would produce them, from tests/fixtures/cases/documents.yaml."""
    data = YAML(typ="safe").load((FIXTURES / "documents.yaml").read_text(encoding="utf-8"))
    docs = []
    for d in data["documents"]:
        paras, offset = [], 0
        for i, text in enumerate(d["paragraphs"]):
            offset += 2 if i else 0
            paras.append(Paragraph(i, text, offset))
            offset += len(text)
        notes = [
            Footnote(f["id"], str(n + 1), f["text"], f.get("paragraph"))
            for n, f in enumerate(d.get("footnotes", []))
        ]
        docs.append(
            Document(
                data["volume"],
                d["id"],
                d["id"][1:],
                d["id"],
                "document",
                paragraphs=paras,
                footnotes=notes,
            )
        )
    return lookup_from_documents(docs)


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    target = tmp_path / "cases" / "minimal"
    shutil.copytree(FIXTURES / "minimal", target)
    return target
