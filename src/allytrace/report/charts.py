"""Charts as Vega-Lite specs (for the browser) and SVG/PNG files (for papers), via Altair."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import altair as alt

from ..errors import AllytraceError


def trend_chart(rows: Sequence, query: str) -> alt.Chart:
    """Bars of matching documents per 100 documents, by year, with counts in the tooltip."""
    data = [
        {"year": str(r.year), "per_100": r.per_100, "matching": r.matching,
         "documents": r.documents, "occurrences": r.occurrences}
        for r in rows
    ]
    return (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color="#3b6ea5")
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("per_100:Q", title="Matching documents per 100 dated documents"),
            tooltip=["year:O", "matching:Q", "documents:Q", "occurrences:Q", "per_100:Q"],
        )
        .properties(title=f"Documents matching {query}", width=480, height=260)
    )


def save_chart(chart: alt.TopLevelMixin | dict, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write a chart as SVG, PNG or Vega-Lite JSON, by the file's suffix (no browser needed)."""
    import json

    import vl_convert as vlc

    path = Path(path)
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if suffix == ".svg":
        tmp.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif suffix == ".png":
        tmp.write_bytes(vlc.vegalite_to_png(spec, scale=scale))
    elif suffix in (".json", ".vl"):
        tmp.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    else:
        raise AllytraceError(f"{path}: unknown chart format {suffix!r}", hint="use .svg, .png or .json")
    tmp.replace(path)
    return path
