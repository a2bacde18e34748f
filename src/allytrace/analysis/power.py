"""The "diffusion of power", nuclear and economic, as a small curated and sourced time series.

The seeds' causal story runs from two diffusions of power to the alliance's new consultation
channels: nuclear capability spreading (China's first test in October 1964) and economic
weight shifting (Japan's high growth, the U.S. payments deficits and the cost of U.S. forces
abroad). This module serves the figures behind that story, each with the published source it
was taken from, and draws them on one time axis beside the case's institutional events.

The figures live in ``analysis/data/power_diffusion.csv`` (one row per figure, with a
``source_id``) and their sources in ``analysis/data/power_diffusion_sources.csv``. Nothing is
estimated or filled in: a year the source does not give is simply absent. Two series are
computed here and say so in their ``source``: real GDP growth and Japan's GDP as a share of
the United States'.

>>> series = load_power_series()
>>> series[series.series == "first_nuclear_test"].set_index("entity").loc["China", "date"]
'1964-10-16'
>>> bool(series["source"].str.len().gt(0).all())
True
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd

from ..dates import DateError, FuzzyDate
from ..errors import SourceError

DATA_DIR = Path(__file__).with_name("data")
SERIES_FILE = DATA_DIR / "power_diffusion.csv"
SOURCES_FILE = DATA_DIR / "power_diffusion_sources.csv"

SERIES_COLUMNS = [
    "series",
    "entity",
    "date",
    "year",
    "value",
    "value_high",
    "unit",
    "source_id",
    "note",
]
SOURCE_COLUMNS = ["source_id", "citation", "locator", "url", "via"]

# What each panel of the default chart shows: (title, series, scale factor, axis title).
DEFAULT_PANELS: list[tuple[str, list[str], float, str]] = [
    ("Real GDP", ["gdp"], 1e-3, "billion 1990 int. $"),
    ("Real GDP growth", ["gdp_growth"], 1.0, "% a year"),
    (
        "U.S. international transactions",
        ["us_balance_goods_services", "us_net_military_transactions"],
        1e-3,
        "billion current $",
    ),
    (
        "U.S. military personnel in Japan, incl. Okinawa (no report for 1951–52)",
        ["us_military_personnel_in_japan"],
        1e-3,
        "thousands",
    ),
]
SERIES_LABELS = {
    "us_balance_goods_services": "balance on goods and services",
    "us_net_military_transactions": "net military transactions",
    "us_military_personnel_in_japan": "active duty, ashore",
}
NUCLEAR_COLOUR, EVENT_COLOUR = "#b2182b", "#4d4d4d"
GROWTH_RULE = "Computed here as 100 × (GDP[t] / GDP[t−1] − 1) from: "
SHARE_RULE = "Computed here as 100 × GDP(Japan) / GDP(United States) from: "


# --- loading -----------------------------------------------------------------------------


def _read_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise SourceError(path, "file not found")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise SourceError(path, f"missing column(s) {', '.join(missing)}", line=1)
            rows = []
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    # DictReader puts surplus fields under None and short rows' gaps as None.
                    raise SourceError(path, "wrong number of fields", line=reader.line_num)
                rows.append(row)
            return rows
    except UnicodeDecodeError:
        raise SourceError(path, "not UTF-8 text") from None
    except csv.Error as exc:
        raise SourceError(path, f"malformed CSV: {exc}") from None


def _number(text: str, path: Path, line: int, column: str) -> float:
    if text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise SourceError(path, f"{column} {text!r} is not a number", line=line) from None


def load_sources(path: str | Path = SOURCES_FILE) -> dict[str, dict[str, str]]:
    """The sources file as ``{source_id: {citation, locator, url, via}}``."""
    path = Path(path)
    sources = {}
    for line, row in enumerate(_read_rows(path, SOURCE_COLUMNS), start=2):
        if not row["source_id"].strip() or not row["citation"].strip():
            raise SourceError(path, "a source needs an id and a citation", line=line)
        sources[row["source_id"].strip()] = row
    return sources


def _full_citation(src: dict[str, str]) -> str:
    parts = [src["citation"].strip(), src["locator"].strip(), src["url"].strip()]
    return "; ".join(p for p in parts if p)


def load_power_series(
    path: str | Path = SERIES_FILE, sources: str | Path = SOURCES_FILE, *, derived: bool = True
) -> pd.DataFrame:
    """The power-diffusion figures as a tidy table, every row with its source.

    Columns: ``series``, ``entity``, ``date`` (ISO day for dated events, else empty),
    ``year``, ``value``, ``value_high`` (the top of a range the source gives, else NaN),
    ``unit``, ``source_id``, ``source`` (full citation with table and locator), ``note``,
    ``derived`` (True for rows computed here). Raises ``SourceError`` for a missing or
    malformed file, a non-numeric value or a ``source_id`` the sources file does not define.

    >>> gdp = load_power_series().query("series == 'gdp' and entity == 'Japan'")
    >>> int(gdp.set_index("year").loc[1950, "value"])
    160966
    """
    path = Path(path)
    catalogue = load_sources(sources)
    records = []
    for line, row in enumerate(_read_rows(path, SERIES_COLUMNS), start=2):
        sid = row["source_id"].strip()
        if sid not in catalogue:
            raise SourceError(path, f"source_id {sid!r} is not in {Path(sources).name}", line=line)
        if row["date"].strip():
            try:
                FuzzyDate.parse(row["date"].strip())
            except DateError as exc:
                raise SourceError(path, str(exc), line=line) from None
        year = _number(row["year"], path, line, "year")
        if math.isnan(year):
            raise SourceError(path, "year is required", line=line)
        records.append(
            {
                "series": row["series"].strip(),
                "entity": row["entity"].strip(),
                "date": row["date"].strip(),
                "year": int(year),
                "value": _number(row["value"], path, line, "value"),
                "value_high": _number(row["value_high"], path, line, "value_high"),
                "unit": row["unit"].strip(),
                "source_id": sid,
                "source": _full_citation(catalogue[sid]),
                "note": row["note"].strip(),
                "derived": False,
            }
        )
    frame = pd.DataFrame.from_records(records)
    if derived and not frame.empty:
        frame = pd.concat([frame, _derived(frame)], ignore_index=True)
    return frame


def _derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Growth rates and Japan's share of U.S. GDP, computed from the sourced GDP rows."""
    gdp = frame[frame["series"] == "gdp"]
    if gdp.empty:
        return frame.iloc[0:0]
    rows = []
    for entity, part in gdp.groupby("entity"):
        level = part.set_index("year")["value"].sort_index()
        src = part["source"].iloc[0]
        for year in level.index:
            if year - 1 in level.index:
                rows.append(
                    {
                        "series": "gdp_growth",
                        "entity": entity,
                        "date": "",
                        "year": int(year),
                        "value": 100.0 * (level[year] / level[year - 1] - 1.0),
                        "value_high": math.nan,
                        "unit": "% change on previous year",
                        "source_id": "derived:" + part["source_id"].iloc[0],
                        "source": GROWTH_RULE + src,
                        "note": "derived",
                        "derived": True,
                    }
                )
    levels = gdp.pivot_table(index="year", columns="entity", values="value")
    if {"Japan", "United States"} <= set(levels.columns):
        src = gdp["source"].iloc[0]
        for year, row in levels.dropna().iterrows():
            rows.append(
                {
                    "series": "japan_gdp_share_of_us",
                    "entity": "Japan",
                    "date": "",
                    "year": int(year),
                    "value": 100.0 * row["Japan"] / row["United States"],
                    "value_high": math.nan,
                    "unit": "% of U.S. GDP",
                    "source_id": "derived:" + gdp["source_id"].iloc[0],
                    "source": SHARE_RULE + src,
                    "note": "derived",
                    "derived": True,
                }
            )
    return pd.DataFrame(rows)


# --- the chart ---------------------------------------------------------------------------


def _point_in_time(when: str | int | date) -> tuple[str, str]:
    """A plotting date (the middle of what the date allows) and the date as written."""
    fuzzy = FuzzyDate.parse(when)
    lo, hi = fuzzy.earliest(), fuzzy.latest()
    middle = lo + (hi - lo) / 2
    return middle.isoformat(), str(fuzzy)


def _x(domain: list[str], labels: bool) -> alt.X:
    axis = alt.Axis(
        format="%Y", title=None, labels=labels, ticks=labels, tickCount=8, grid=True, domain=labels
    )
    return alt.X("t:T", scale=alt.Scale(domain=domain), axis=axis)


def power_chart(
    data: pd.DataFrame | None = None,
    events: Sequence[tuple[str | int | date, str]] = (),
    *,
    start: int = 1945,
    end: int = 1980,
    width: int = 620,
    panels: list[tuple[str, list[str], float, str]] | None = None,
) -> dict:
    """A Vega-Lite spec: the power-diffusion series in stacked panels on one time axis.

    Two strips on top mark the first nuclear tests (red) and the caller's ``events`` — a list
    of ``(date, label)`` with dates as precise as known (``"1967"``, ``"1964-09"``,
    ``"1960-01-19"``); both also run as dashed rules through every panel. Annual figures are
    plotted at mid-year and an imprecise event date at the middle of its span.

    >>> spec = power_chart(events=[("1967-05", "Security Subcommittee")])
    >>> spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    True
    """
    data = load_power_series() if data is None else data
    panels = DEFAULT_PANELS if panels is None else panels
    domain = [f"{start}-01-01", f"{end}-12-31"]

    nuclear = data[data["series"] == "first_nuclear_test"]
    marks = [
        {"t": r.date, "label": r.entity, "when": r.date, "source": r.source, "kind": "nuclear"}
        for r in nuclear.itertuples()
    ]
    for when, label in events:
        t, written = _point_in_time(when)
        marks.append(
            {
                "t": t,
                "label": label,
                "when": written,
                "source": "given by the caller",
                "kind": "event",
            }
        )
    marks = sorted((m for m in marks if domain[0] <= m["t"] <= domain[1]), key=lambda m: m["t"])
    blocks = [_nuclear_strip(marks, domain, width)]
    has_events = any(m["kind"] == "event" for m in marks)
    if has_events:
        blocks.append(_event_strip(marks, domain, width))
    for n, (title, names, factor, axis_title) in enumerate(panels):
        last = n == len(panels) - 1
        blocks.append(
            _panel(
                data,
                title,
                names,
                factor,
                axis_title,
                domain,
                width,
                _rules(marks, domain, last),
                last,
            )
        )
    chart = (
        alt.vconcat(*blocks, spacing=12)
        .resolve_scale(color="independent")
        .properties(
            title=alt.Title(
                f"The diffusion of power, {start}–{end}",
                subtitle=[
                    "Each figure's source is in load_power_series(); "
                    "annual figures are plotted at mid-year.",
                    "Dashed lines: first nuclear tests (red)"
                    + (" and the case's institutional events (grey)." if has_events else "."),
                ],
                anchor="start",
                fontSize=15,
                subtitleFontSize=11,
                subtitleColor="#555",
            )
        )
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, titleColor="#333")
        .configure_legend(labelFontSize=11, orient="right", symbolSize=60, labelLimit=240)
    )
    return chart.to_dict()


def _rules(marks: list[dict], domain: list[str], labels: bool) -> list[alt.Chart]:
    """Dashed rules at the nuclear tests and the events, for layering under a panel.

    Each rule takes a fixed colour: a colour *scale* would be shared with the panel's lines
    inside the layer and hide them. The x axis must match the panel's (a layer's first axis wins).
    """
    return [
        alt.Chart(alt.Data(values=marks))
        .transform_filter(alt.datum.kind == kind)
        .mark_rule(strokeDash=[3, 3], opacity=0.5, color=colour)
        .encode(x=_x(domain, labels))
        for kind, colour in (("nuclear", NUCLEAR_COLOUR), ("event", EVENT_COLOUR))
    ]


def _strip(
    marks: list[dict], kind: str, domain: list[str], width: int, height: int, title: str, axis: bool
) -> alt.Chart:
    colour = NUCLEAR_COLOUR if kind == "nuclear" else EVENT_COLOUR
    x = _x(domain, axis)
    if axis:  # the year labels sit at the top of the chart as well as at the bottom
        x = alt.X(
            "t:T",
            scale=alt.Scale(domain=domain),
            axis=alt.Axis(format="%Y", title=None, orient="top", tickCount=8, grid=True),
        )
    return (
        alt.Chart(alt.Data(values=[m for m in marks if m["kind"] == kind]))
        .encode(
            x=x,
            y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1]), axis=None),
            tooltip=["label:N", "when:N", "source:N"],
        )
        .mark_point(shape="triangle-up", size=70, filled=True, color=colour, opacity=1)
        .properties(
            width=width,
            height=height,
            title=alt.Title(title, anchor="start", fontSize=12, color=colour),
        )
    )


def _nuclear_strip(marks: list[dict], domain: list[str], width: int) -> alt.LayerChart:
    """First nuclear tests: triangles on a line, labels alternately above and below."""
    marks = [
        dict(m, y=0.35, ty=0.85 if i % 2 == 0 else -0.2)
        for i, m in enumerate(m for m in marks if m["kind"] == "nuclear")
    ]
    points = _strip(marks, "nuclear", domain, width, 34, "First nuclear tests", True)
    text = points.mark_text(
        align="left", dx=7, fontSize=10, color=NUCLEAR_COLOUR, baseline="middle", clip=False
    ).encode(y=alt.Y("ty:Q", scale=alt.Scale(domain=[0, 1]), axis=None), text="label:N")
    return alt.layer(points, text)


def _event_strip(marks: list[dict], domain: list[str], width: int) -> alt.LayerChart:
    """The caller's events: triangles on a line, labels slanting up so close ones stay legible."""
    marks = [dict(m, y=0.0) for m in marks if m["kind"] == "event"]
    points = _strip(marks, "event", domain, width, 96, "Alliance institutions", False)
    text = points.mark_text(
        align="left", angle=310, dx=4, dy=-5, fontSize=10, color="#333", baseline="middle"
    ).encode(text="label:N")
    return alt.layer(points, text)


def _panel(
    data: pd.DataFrame,
    title: str,
    names: list[str],
    factor: float,
    axis_title: str,
    domain: list[str],
    width: int,
    rules: list[alt.Chart],
    last: bool,
) -> alt.LayerChart:
    part = data[data["series"].isin(names)].copy()
    part = part[part["value"].notna()]
    rows = []
    for r in part.itertuples():
        # Lines are named by country unless the series itself needs naming.
        label = SERIES_LABELS.get(r.series, r.entity)
        rows.append(
            {
                "t": r.date or f"{r.year}-07-01",
                "year": r.year,
                "y": r.value * factor,
                "line": label,
                "unit": r.unit,
                "source": r.source,
            }
        )
    # A year the source does not give breaks the line instead of being bridged.
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=_x(domain, last),
            y=alt.Y("y:Q", title=axis_title, axis=alt.Axis(tickCount=4)),
            color=alt.Color("line:N", title=None, scale=alt.Scale(scheme="dark2")),
            tooltip=["line:N", "year:O", alt.Tooltip("y:Q", format=",.2f"), "unit:N", "source:N"],
        )
    )
    gaps = _gaps(rows)
    if gaps:
        lines = lines.encode(detail="segment:N").transform_calculate(
            segment="datum.line + '-' + (" + " + ".join(f"(datum.year > {g})" for g in gaps) + ")"
        )
    zero = (
        alt.Chart(alt.Data(values=[{"y": 0}]))
        .mark_rule(color="#999", strokeWidth=0.8)
        .encode(y="y:Q")
    )
    layers = [*rules, zero, lines] if part["value"].min() < 0 else [*rules, lines]
    return alt.layer(*layers).properties(
        width=width, height=120, title=alt.Title(title, anchor="start", fontSize=12)
    )


def _gaps(rows: list[dict]) -> list[int]:
    """Years after which a line has a missing year (so the line must break there)."""
    years = sorted({r["year"] for r in rows})
    return [a for a, b in zip(years, years[1:], strict=False) if b - a > 1]


def save_power_chart(spec: dict, stem: str | Path, *, scale: float = 2.0) -> list[Path]:
    """Write ``spec`` as ``<stem>.svg`` and ``<stem>.png`` (no browser needed); return the paths.

    Each file is written to a temporary name and renamed, so a failed render leaves no
    half-written chart behind.
    """
    import vl_convert as vlc

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    for target, payload in (
        (svg, vlc.vegalite_to_svg(spec).encode("utf-8")),
        (png, vlc.vegalite_to_png(spec, scale=scale)),
    ):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(payload)
        tmp.replace(target)
    return [svg, png]
