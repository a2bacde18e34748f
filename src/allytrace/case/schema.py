"""The case schema for machines (JSON Schema) and for people (a Markdown field reference).

Both are generated from the pydantic models, so they cannot drift from what the loader
accepts; ``docs/case-schema.md`` embeds ``markdown_reference()`` and a test keeps it equal.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, create_model
from pydantic.json_schema import models_json_schema

from .model import (
    BIB_KEY_PATTERN,
    CASE_FILE,
    DOC_KEY_PATTERN,
    KINDS,
    SLUG_PATTERN,
    Acronym,
    Actor,
    Aliases,
    Assessment,
    BibEntry,
    CaseInfo,
    Cause,
    Citation,
    Event,
    Evidence,
    Hypothesis,
    HypothesisSet,
    Institution,
    LegalBasis,
    Members,
    Name,
    Officialness,
    Plan,
    Provision,
    Role,
    Title,
)

SCHEMA_ID = "https://allytrace.invalid/schema/case.json"


def _file_models() -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {CASE_FILE: CaseInfo}
    for kind, (filename, key, model) in KINDS.items():
        name = "".join(w.capitalize() for w in kind.split("_")) + "File"
        out[filename] = create_model(name, **{key: (list[model], ...)})  # type: ignore[call-overload]
    return out


def json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a case folder: one entry per file under ``properties``.

    Point an editor at ``#/$defs/InstitutionsFile`` for ``institutions.yaml`` and so on.
    """
    files = _file_models()
    keyed, top = models_json_schema(
        [(m, "validation") for m in files.values()], ref_template="#/$defs/{model}"
    )
    props = {fn: keyed[(m, "validation")] for fn, m in files.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "allytrace case folder",
        "description": "cases/NAME/ holds case.yaml and one YAML file per kind; "
        "each property here is the schema of one file.",
        "type": "object",
        "properties": props,
        "$defs": top.get("$defs", {}),
    }


#: Models in the order the reference documents them.
DOCUMENTED: list[type[BaseModel]] = [
    CaseInfo,
    Title,
    BibEntry,
    Name,
    Aliases,
    Acronym,
    Citation,
    Officialness,
    Actor,
    Role,
    Institution,
    LegalBasis,
    Members,
    Plan,
    Provision,
    Event,
    HypothesisSet,
    Hypothesis,
    Cause,
    Evidence,
    Assessment,
]


_PATTERNS = {
    SLUG_PATTERN: "id",
    DOC_KEY_PATTERN: "document id",
    BIB_KEY_PATTERN: "bibliography key",
    r"^p_[A-Za-z0-9]+$": "FRUS person id",
}
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _from_metadata(metadata: list[Any]) -> str | None:
    for m in metadata:
        pattern = getattr(m, "pattern", None)
        if pattern in _PATTERNS:
            return _PATTERNS[pattern]
        if type(m).__name__ == "PlainValidator":
            return "EDTF date"
        if getattr(m, "min_length", None) == 1 and getattr(m, "strip_whitespace", None):
            return "text"
    return None


def _render(annotation: Any, metadata: list[Any] | None = None) -> str:
    """A readable type: 'id', 'list of Citation', 'EDTF date', 'map of id → Assessment'."""
    hint = _from_metadata(metadata or [])
    if hint:
        return hint
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _from_metadata(list(args[1:])) or _render(args[0])
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_render(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {_render(args[0])}"
    if origin is dict:
        return f"map of {_render(args[0])} → {_render(args[1])}"
    if isinstance(annotation, type):
        return _SCALARS.get(annotation, annotation.__name__)
    return str(annotation)


def markdown_reference() -> str:
    """One table per model: field, required, type/values, description."""
    lines: list[str] = []
    for model in DOCUMENTED:
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        lines += [f"### {model.__name__}", ""]
        if doc:
            lines += [doc, ""]
        lines += ["| field | required | type | description |", "| --- | --- | --- | --- |"]
        for name, info in model.model_fields.items():
            key = info.alias or name
            typ = _render(info.annotation, list(info.metadata))
            req = "yes" if info.is_required() else ""
            desc = (info.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {req} | {typ} | {desc} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
