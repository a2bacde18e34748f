"""The alliance measures: the seeds' concepts as numbers a reader can check and dispute.

One module per measure, each a function ``(case, rules) -> MeasureResult``:

- ``secretarial``: how far the alliance's recorded consultations were held below
  ministerial level, by year;
- ``substantiality``: plans, exercises and training, and the political approval of the
  defence-coordination framework, by year;
- ``typology``: the review's two axes and the treaty's geographic scope per period, and the
  class (symmetric / asymmetric / hybrid) given by ordered rules;
- ``initiative``: proposals by side, per period and per item;
- ``atop_practice``: ATOP's treaty-text coding beside the case's practice coding;
- ``power_events``: the case's institutional events for the power-diffusion chart.

The coding rules are in ``rules.py`` (``load_rules``). Every result carries its definition
(built from the rules), its values, and a trace: which case items, with which citations,
produced each value. Functions take data and return data; they never print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class MeasureResult:
    """One measure's output.

    ``table`` holds the values (one row per year or period); ``evidence`` one row per
    (value, case item) with the item's role and citations; ``extra`` further tables;
    ``items`` the case items involved, with full citations (for JSON); ``notes`` what the
    reader should know (assumptions, exclusions, gaps).
    """

    name: str
    title: str
    definition: list[str]
    table: pd.DataFrame
    evidence: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chart: dict | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table under the file stem it is exported as."""
        out = {self.name: self.table, f"{self.name}_evidence": self.evidence}
        out.update({f"{self.name}_{k}": v for k, v in self.extra.items()})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: definition, values, evidence, items with citations, notes."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            clean = frame.astype(object).where(frame.notna(), None)
            return clean.to_dict(orient="records")

        return {
            "measure": self.name,
            "title": self.title,
            "definition": self.definition,
            "values": records(self.table),
            "evidence": records(self.evidence),
            **{k: records(v) for k, v in self.extra.items()},
            "items": self.items,
            "notes": self.notes,
        }


from .rules import RulesError, Rules, load_rules  # noqa: E402

__all__ = ["MeasureResult", "Rules", "RulesError", "load_rules"]
