"""The alliance case layer: schema, case folders on disk, validation, built-in cases.

Public API (the CLI and web call these; everything else is private):

>>> from allytrace.case import load_case, validate_case, init_builtin   # doctest: +SKIP
>>> init_builtin("japan-us", "project/cases")                            # doctest: +SKIP
>>> problems = validate_case("project/cases/japan-us", store_lookup)     # doctest: +SKIP
"""

from .builtin import builtin_files, builtin_names, init_builtin
from .files import (
    add_evidence,
    atomic_write_text,
    load_case,
    parse_case,
    save_evidence,
    save_kind,
    update_assessment,
)
from .lookup import lookup_from_documents, lookup_from_volumes
from .model import (
    KINDS,
    Actor,
    Assessment,
    BibEntry,
    Case,
    CaseInfo,
    Citation,
    Event,
    Evidence,
    Hypothesis,
    HypothesisSet,
    Institution,
    Plan,
)
from .problems import Problem
from .schema import json_schema, markdown_reference
from .validate import Lookup, validate_case

__all__ = [
    "KINDS",
    "Actor",
    "Assessment",
    "BibEntry",
    "Case",
    "CaseInfo",
    "Citation",
    "Event",
    "Evidence",
    "Hypothesis",
    "HypothesisSet",
    "Institution",
    "Lookup",
    "Plan",
    "Problem",
    "add_evidence",
    "atomic_write_text",
    "builtin_files",
    "builtin_names",
    "init_builtin",
    "json_schema",
    "load_case",
    "lookup_from_documents",
    "lookup_from_volumes",
    "markdown_reference",
    "parse_case",
    "save_evidence",
    "save_kind",
    "update_assessment",
    "validate_case",
]
