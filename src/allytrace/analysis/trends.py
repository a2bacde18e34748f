"""How often a query's terms occur, year by year."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..store.search import Filters, matching_documents, terms_pattern


@dataclass(frozen=True)
class YearCount:
    year: int
    documents: int  # dated documents that year (the denominator)
    matching: int  # of which match the query
    occurrences: int  # occurrences of the query's terms in the matching documents
    per_100: float  # matching documents per 100 documents that year


def term_trend(conn: sqlite3.Connection, query: str, filters: Filters | None = None) -> list[YearCount]:
    """Matching documents and term occurrences per year, with the year's total as denominator.

    Raw counts mislead when a volume covers some years densely; ``per_100`` normalises by
    the number of dated documents the corpus holds for that year (under the same filters,
    less the query).
    """
    filters = filters or Filters()
    pattern = terms_pattern(query)
    matching: dict[int, int] = {}
    occurrences: dict[int, int] = {}
    for doc in matching_documents(conn, query, filters, with_text=True, by_date=False):
        if not doc["date"]:
            continue
        year = _year(doc["date"])
        matching[year] = matching.get(year, 0) + 1
        occurrences[year] = occurrences.get(year, 0) + len(pattern.findall(doc["text"]))
    totals: dict[int, int] = {}
    if filters.active():
        for doc in matching_documents(conn, "", filters, by_date=False):
            if doc["date"]:
                y = _year(doc["date"])
                totals[y] = totals.get(y, 0) + 1
    else:
        for y, n in conn.execute(
            "SELECT CAST(substr(date_start, 1, 4) AS INTEGER), count(*) FROM documents"
            " WHERE date_start IS NOT NULL GROUP BY 1"
        ):
            totals[y] = n
    years = sorted(set(totals) | set(matching))
    return [
        YearCount(
            y, totals.get(y, 0), matching.get(y, 0), occurrences.get(y, 0),
            round(100 * matching.get(y, 0) / totals[y], 2) if totals.get(y) else 0.0,
        )
        for y in years
    ]



def _year(date: str) -> int:
    """The first year of a stored date ('1967-03-15', '[1967-03..1967-05]')."""
    return int(date.lstrip("[")[:4])
