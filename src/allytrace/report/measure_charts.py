"""Charts of the alliance measures: Vega-Lite specs (via Altair) and SVG/PNG files.

One builder per measure takes the ``MeasureResult`` the analysis returned and gives a
Vega-Lite spec (a dict) that the web app can embed and ``save_measure_chart`` writes as
SVG and PNG. Every mark has a tooltip naming the case items behind it, so the chart is as
traceable as the table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import altair as alt
import pandas as pd

from ..dates import FuzzyDate

WIDTH = 620
LEVEL_COLOURS = {"ministerial": "#b35806", "working": "#1b7837", "unknown": "#bdbdbd"}
SIDE_COLOURS = {
    "japan": "#c0392b",
    "united-states": "#2166ac",
    "joint": "#7b3294",
    "other": "#878787",
    "unknown": "#cccccc",
}
CLASS_COLOURS = {"asymmetric": "#d95f02", "hybrid": "#7570b3", "symmetric": "#1b9e77",
                 "unclassified": "#999999"}
STATE_COLOURS = {
    "certain": "#1b7837",
    "possible": "#a6dba0",
    "absent": "#f0f0f0",
    "approved": "#2166ac",
    "informal": "#92c5de",
    "none": "#fdb863",
    "not recorded": "#e0e0e0",
}


def _title(text: str, subtitle: list[str]) -> alt.Title:
    return alt.Title(text, subtitle=subtitle, anchor="start", fontSize=15,
                     subtitleFontSize=11, subtitleColor="#555")


def _finish(chart: alt.TopLevelMixin) -> dict:
    return (
        chart.configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, titleColor="#333")
        .configure_axisY(minExtent=42)  # stacked panels share one plotting edge
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="right", labelLimit=260)
        .to_dict()
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


# --- secretarial ---------------------------------------------------------------------------


def secretarial_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """The index by year on both bases (top) and the bodies behind it by level (bottom)."""
    t = result.table
    years = [int(t["year"].min()), int(t["year"].max())]
    x = alt.X("year:Q", scale=alt.Scale(domain=[years[0] - 0.5, years[1] + 0.5], nice=False),
              axis=alt.Axis(format="d", title=None, tickMinStep=1, values=list(
                  range(years[0] - years[0] % 5 + 5 if years[0] % 5 else years[0],
                        years[1] + 1, 5)) + [years[0], years[1]]))
    chan, meet = [], []
    for row in _records(t):
        if row["index_channels"] is not None:
            chan.append({"year": row["year"],
                         "basis": "channels: bodies active in the year (line)",
                         "index": row["index_channels"],
                         "counted": f"M {row['ministerial']}, W {row['working']}",
                         "ids": "M: " + (row["ministerial_ids"] or "—") + " | W: "
                         + (row["working_ids"] or "—")})
        if row["index_meetings"] is not None:
            n = row["meetings_ministerial"] + row["meetings_working"]
            meet.append({"year": row["year"],
                         "basis": "meetings recorded in the sources (diamonds)",
                         "index": row["index_meetings"], "meetings": n,
                         "counted": f"M {row['meetings_ministerial']}, "
                                    f"W {row['meetings_working']}",
                         "ids": row["meeting_ids"]})
    bases = ["channels: bodies active in the year (line)",
             "meetings recorded in the sources (diamonds)"]
    colour = alt.Color("basis:N", title="recorded consultation",
                       scale=alt.Scale(domain=bases, range=["#1b7837", "#762a83"]))
    shape = alt.Shape("basis:N", legend=None,
                      scale=alt.Scale(domain=bases, range=["circle", "diamond"]))
    y = alt.Y("index:Q", title="W / (W + M)", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format=".0%", tickCount=5))
    tip = ["year:Q", "basis:N", alt.Tooltip("index:Q", format=".2f"), "counted:N", "ids:N"]
    line = alt.Chart(alt.Data(values=chan)).mark_line(
        interpolate="step-after", strokeWidth=2.5).encode(x=x, y=y, color=colour)
    cpts = alt.Chart(alt.Data(values=chan)).mark_point(filled=True, size=60).encode(
        x=x, y=y, color=colour, shape=shape, tooltip=tip)
    mpts = alt.Chart(alt.Data(values=meet)).mark_point(filled=True, opacity=0.85).encode(
        x=x, y=y, color=colour, shape=shape, tooltip=[*tip, "meetings:Q"],
        size=alt.Size("meetings:Q", title="meetings in the year",
                      scale=alt.Scale(domain=[1, 4], range=[60, 260]),
                      legend=alt.Legend(values=[1, 2, 4], format="d", symbolType="diamond")))
    half = alt.Chart(alt.Data(values=[{"y": 0.5}])).mark_rule(
        color="#999", strokeDash=[4, 3]).encode(y="y:Q")
    gaps = []
    run: list[int] = []
    for row in _records(t) + [{"year": None, "index_channels": 0}]:
        if row["year"] is not None and row["index_channels"] is None:
            run.append(row["year"])
            continue
        if run:
            gaps.append({"year": run[0] - 0.3, "y": 0.1,
                         "text": f"{run[0]}–{run[-1]}: no body of known level"
                         if len(run) > 1 else f"{run[0]}: no body of known level"})
            run = []
    note = alt.Chart(alt.Data(values=gaps)).mark_text(fontSize=10, color="#777",
                                                      align="left").encode(
        x=x, y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1])), text="text:N")
    top = alt.layer(half, line, cpts, mpts, note).properties(
        width=WIDTH, height=200,
        title=alt.Title("Share of recorded consultations below ministerial level", anchor="start",
                        fontSize=12))
    counts = []
    for row in _records(t):
        for cls in ("ministerial", "working", "unknown"):
            if row[cls]:
                counts.append({"year": row["year"], "level": cls, "bodies": row[cls],
                               "ids": row[f"{cls}_ids"]})
    bars = alt.Chart(alt.Data(values=counts)).mark_bar(width=14).encode(
        x=x,
        y=alt.Y("bodies:Q", title="bodies active", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("level:N", title="level (as counted)",
                        scale=alt.Scale(domain=list(LEVEL_COLOURS),
                                        range=list(LEVEL_COLOURS.values()))),
        order=alt.Order("order:Q"),
        tooltip=["year:Q", "level:N", "bodies:Q", "ids:N"],
    ).transform_calculate(
        order="datum.level == 'ministerial' ? 0 : datum.level == 'working' ? 1 : 2"
    ).properties(width=WIDTH, height=130,
                 title=alt.Title("Consultation bodies by level", anchor="start", fontSize=12))
    basis = result.definition[-1].split(".")[0] if result.definition else ""
    chart = alt.vconcat(top, bars, spacing=16).resolve_scale(color="independent").properties(
        title=_title(f"Secretarial index, {years[0]}–{years[1]}", [
            "W: working level (incl. senior officials and military-to-military by default); "
            "M: ministerial. Bodies of unknown level are shown, not counted.",
            f"{basis}. Hover a point for the case items behind it."]))
    return _finish(chart)


# --- substantiality ------------------------------------------------------------------------


def substantiality_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """The index's low and high bounds by year (top) and each component's state (bottom)."""
    t = result.table
    years = [int(t["year"].min()), int(t["year"].max())]
    x = alt.X("year:Q", scale=alt.Scale(domain=[years[0] - 0.5, years[1] + 0.5], nice=False),
              axis=alt.Axis(format="d", title=None, tickMinStep=1))
    # Each year is drawn as a flat step from year - 0.5 to year + 0.5, so the first and the
    # last years get their full width.
    steps = []
    for r in _records(t[["year", "index_low", "index_high"]]):
        for edge in (-0.5, 0.5):
            steps.append({"x": r["year"] + edge, "year": r["year"], "low": r["index_low"],
                          "high": r["index_high"]})
    xs = alt.X("x:Q", scale=alt.Scale(domain=[years[0] - 0.5, years[1] + 0.5], nice=False),
               axis=alt.Axis(format="d", title=None, tickMinStep=1))
    band = alt.Chart(alt.Data(values=steps)).mark_area(color="#a6dba0", opacity=0.55).encode(
        x=xs, y=alt.Y("low:Q", title="index (0–1)", scale=alt.Scale(domain=[0, 1])), y2="high:Q")
    lines = alt.Chart(alt.Data(values=steps)).transform_fold(
        ["low", "high"], as_=["bound", "value"]
    ).mark_line(strokeWidth=2.2, color="#1b7837").encode(
        x=xs, y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1])),
        strokeDash=alt.StrokeDash("bound:N", title="bound", scale=alt.Scale(
            domain=["low", "high"], range=[[1, 0], [5, 3]])),
        tooltip=["year:Q", "bound:N", alt.Tooltip("value:Q", format=".2f")])
    # Name the items that raise a component's low score, where the low bound moves.
    comp_names = [c for c in t.columns if f"{c}_low" in t.columns]
    changes: list[dict] = []
    prev: dict | None = None
    for r in _records(t):
        added: list[str] = []
        for c in comp_names:
            if prev is not None and r[f"{c}_low"] > prev[f"{c}_low"] or (
                prev is None and r[f"{c}_low"] > 0
            ):
                old = set((prev or {}).get(f"{c}_by", "").split(", ")) if prev else set()
                added += [i for i in (r[f"{c}_by"] or "").split(", ") if i and i not in old]
        if added:
            right = r["year"] > (years[0] + years[1]) / 2
            changes.append({"x": r["year"] + (0.4 if right else -0.4), "y": r["index_low"],
                            "align": "right" if right else "left",
                            "text": f"{r['year']}: + " + ", ".join(sorted(set(added)))})
        prev = r
    marks = alt.layer(*[
        alt.Chart(alt.Data(values=[c for c in changes if c["align"] == side])).mark_text(
            align=side, dy=12, fontSize=10, color="#1b7837").encode(
            x=alt.X("x:Q", scale=alt.Scale(domain=[years[0] - 0.5, years[1] + 0.5],
                                           nice=False)),
            y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 1])), text="text:N")
        for side in ("left", "right")
    ])
    top = alt.layer(band, lines, marks).properties(
        width=WIDTH, height=190,
        title=alt.Title("Index: low bound (certain presence) and high bound (possible too)",
                        anchor="start", fontSize=12))
    comps = [c for c in t.columns if f"{c}_low" in t.columns and c not in ("index",)]
    cells = []
    for r in _records(t):
        for c in comps:
            cells.append({"year": r["year"], "component": c, "state": r[c],
                          "score": f"{r[f'{c}_low']:g}–{r[f'{c}_high']:g}",
                          "ids": r[f"{c}_ids"] or "—"})
    states = [s for s in STATE_COLOURS if any(c["state"] == s for c in cells)]
    heat = alt.Chart(alt.Data(values=cells)).transform_calculate(
        x0="datum.year - 0.5", x1="datum.year + 0.5"
    ).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("x0:Q", scale=alt.Scale(domain=[years[0] - 0.5, years[1] + 0.5], nice=False),
                axis=alt.Axis(format="d", title=None, tickMinStep=1)),
        x2="x1:Q",
        y=alt.Y("component:N", title=None, sort=comps),
        color=alt.Color("state:N", title="state in the year", scale=alt.Scale(
            domain=states, range=[STATE_COLOURS[s] for s in states])),
        tooltip=["year:Q", "component:N", "state:N", "score:N", "ids:N"],
    ).properties(width=WIDTH, height=22 * len(comps),
                 title=alt.Title("Components", anchor="start", fontSize=12))
    chart = alt.vconcat(top, heat, spacing=14).resolve_scale(color="independent").properties(
        title=_title(f"Substantiality of the defence-coordination framework, "
                     f"{years[0]}–{years[1]}", [
                         "Weighted mean of plans, exercises and training, and officialness "
                         "(political approval); weights in measures.yaml.",
                         "The band is what the case's dates cannot decide (items dated only to "
                         "a span of years)."]))
    return _finish(chart)


# --- typology ------------------------------------------------------------------------------


def typology_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """The periods on the review's two axes (top) and every indicator per period (bottom)."""
    t = result.table
    xs = ["security-autonomy", "security-security"]
    xs += [v for v in t["exchange"].unique() if v not in xs]
    ys = ["people-to-things", "both", "people-to-people"]
    ys += [v for v in t["form"].unique() if v not in ys]
    # Periods that land on the same spot with the same class and rule share one mark.
    groups: dict[tuple, list[dict]] = {}
    for r in _records(t):
        groups.setdefault((r["exchange"], r["form"], r["class"], r["rule"]), []).append(r)
    points = []
    for (exchange, form, cls, rule), rows in groups.items():
        contiguous = all(a["end"] + 1 == b["start"] for a, b in zip(rows, rows[1:]))
        when = (f"{rows[0]['start']}–{rows[-1]['end']}" if contiguous
                else ", ".join(r["period"] for r in rows))
        also = rows[0]["also_matched"]
        points.append({
            "x": xs.index(exchange), "y": ys.index(form), "class": cls,
            "label": f"{when}: {cls}",
            "rule": f"rule {rule}" + (f" (also matched: {also})" if also else ""),
            "periods": ", ".join(r["period"] for r in rows),
            "exchange": exchange, "form": form,
        })
    classes = [c for c in CLASS_COLOURS if any(p["class"] == c for p in points)]
    classes += sorted({p["class"] for p in points} - set(classes))
    colour = alt.Color("class:N", title="class", scale=alt.Scale(
        domain=classes, range=[CLASS_COLOURS.get(c, "#666") for c in classes]))
    xenc = alt.X("x:Q", scale=alt.Scale(domain=[-0.5, len(xs) - 0.5]), axis=alt.Axis(
        values=list(range(len(xs))), labelExpr=_label_expr(xs), title="exchange of interests",
        grid=False, labelFontSize=12))
    yenc = alt.Y("y:Q", scale=alt.Scale(domain=[-0.5, len(ys) - 0.5]), axis=alt.Axis(
        values=list(range(len(ys))), labelExpr=_label_expr(ys), title="form of cooperation",
        grid=False, labelFontSize=12))
    gridx = alt.Chart(alt.Data(values=[{"v": i + 0.5} for i in range(len(xs) - 1)])).mark_rule(
        color="#ddd").encode(x="v:Q")
    gridy = alt.Chart(alt.Data(values=[{"v": i + 0.5} for i in range(len(ys) - 1)])).mark_rule(
        color="#ddd").encode(y="v:Q")
    tooltip = ["periods:N", "class:N", "rule:N", "exchange:N", "form:N"]
    dots = alt.Chart(alt.Data(values=points)).mark_circle(size=260, opacity=0.95).encode(
        x=xenc, y=yenc, color=colour, tooltip=tooltip)
    text = alt.Chart(alt.Data(values=points)).mark_text(
        align="left", dx=14, dy=-7, fontSize=13, fontWeight="bold").encode(
        x=xenc, y=yenc, text="label:N", color=colour)
    rule = alt.Chart(alt.Data(values=points)).mark_text(
        align="left", dx=14, dy=9, fontSize=10, color="#555").encode(
        x=xenc, y=yenc, text="rule:N")
    plane = alt.layer(gridx, gridy, dots, text, rule).properties(
        width=WIDTH, height=240,
        title=alt.Title("The review's two axes", anchor="start", fontSize=12))
    shown = [("exchange", "exchange of interests"), ("form", "form of cooperation"),
             ("people_to_people", "people-to-people"), ("people_to_things", "people-to-things"),
             ("defence_scope", "defence scope"), ("basing_scope", "basing scope"),
             ("one_sided_defence", "one-sided defence"), ("defence_binding", "defence binding"),
             ("class", "class"), ("rule", "rule")]
    cells = [{"period": r["period"], "row": label, "value": str(r[key]),
              "class": r["class"] if key in ("class", "rule") else "",
              "evidence": r["provisions"] if key not in ("people_to_people", "form")
              else (r["cooperation_ids"] or "none")}
             for r in _records(t) for key, label in shown]
    periods = list(t["period"])
    gbase = alt.Chart(alt.Data(values=cells)).encode(
        x=alt.X("period:N", sort=periods, title=None, axis=alt.Axis(orient="top", labelAngle=0,
                                                                   labelFontWeight="bold")),
        y=alt.Y("row:N", sort=[lab for _, lab in shown], title=None))
    rects = gbase.mark_rect(stroke="#ddd").encode(
        color=alt.condition("datum.class != ''", colour, alt.value("#fafafa")),
        tooltip=["period:N", "row:N", "value:N", "evidence:N"])
    words = gbase.mark_text(fontSize=10).encode(
        text="value:N",
        color=alt.condition("datum.class != ''", alt.value("white"), alt.value("#222")))
    grid = alt.layer(rects, words).properties(
        width=WIDTH, height=20 * len(shown),
        title=alt.Title("Indicators per period", anchor="start", fontSize=12))
    chart = alt.vconcat(plane, grid, spacing=22).properties(
        title=_title("Alliance typology per period", [
            "Exchange of interests: what each member receives from the treaty provisions in "
            "force (defence → security, basing → autonomy).",
            "Form: basing (people-to-things); combined plans, planning groups or exercises "
            "(people-to-people). Scope: where the defence and basing provisions apply.",
            "Class: the first matching rule in measures.yaml; 'also matched' shows rival "
            "rules that would classify otherwise if moved up.",
        ]))
    return _finish(chart)


def _label_expr(values: list[str]) -> str:
    cases = " : ".join(f"datum.value == {i} ? '{v}'" for i, v in enumerate(values))
    return f"{cases} : ''"


# --- initiative ----------------------------------------------------------------------------


def _mid(text: str) -> tuple[str, str, str]:
    d = FuzzyDate.parse(text)
    lo, hi = d.earliest(), d.latest()
    return (lo + (hi - lo) / 2).isoformat(), lo.isoformat(), hi.isoformat()


def initiative_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """Proposals by side per period (bars) and each proposal on a time line (dots)."""
    t = result.table
    items = result.extra["items"]
    present = set(items["side"]) if len(items) else set()
    sides = [s for s in SIDE_COLOURS if s in present] or list(SIDE_COLOURS)
    bars = []
    for r in _records(t):
        for s in sides:
            if r[s]:
                bars.append({"period": r["period"], "side": s, "n": r[s], "ids": r[f"{s}_ids"]})
    periods = list(t["period"])
    colour = alt.Color("side:N", title="proposed by", scale=alt.Scale(
        domain=sides, range=[SIDE_COLOURS[s] for s in sides]),
        legend=alt.Legend(symbolOpacity=1, symbolType="square"))
    stacked = alt.Chart(alt.Data(values=bars)).mark_bar(height=18).encode(
        y=alt.Y("period:N", sort=periods, title=None),
        x=alt.X("n:Q", title="proposals", axis=alt.Axis(tickMinStep=1, format="d")),
        color=colour, order=alt.Order("o:Q"),
        tooltip=["period:N", "side:N", "n:Q", "ids:N"],
    ).transform_calculate(o="indexof(" + str(sides) + ", datum.side)")
    counts = alt.Chart(alt.Data(values=bars)).transform_calculate(
        o="indexof(" + str(sides) + ", datum.side)"
    ).transform_stack(stack="n", groupby=["period"], sort=[alt.SortField("o")],
                      as_=["n0", "n1"]).transform_calculate(mid="(datum.n0 + datum.n1) / 2"
    ).mark_text(fontSize=10, color="white", fontWeight="bold").encode(
        y=alt.Y("period:N", sort=periods), x="mid:Q", text="n:Q")
    bars_chart = alt.layer(stacked, counts).properties(
        width=WIDTH, height=28 * len(periods),
        title=alt.Title("Proposals per period", anchor="start", fontSize=12))
    # One mark per (date, side): items proposed together in one span share it.
    grouped: dict[tuple[str, str], list[dict]] = {}
    for r in _records(items):
        if r["date"]:
            grouped.setdefault((r["date"], r["side"]), []).append(r)
    points, spans = [], []
    for (date, side), rows in grouped.items():
        mid, lo, hi = _mid(date)
        names = ", ".join(r["id"] for r in rows)
        entry = {"t": mid, "lo": lo, "hi": hi, "side": side, "label": names, "date": date,
                 "basis": ", ".join(sorted({r["basis"] for r in rows}))}
        (points if lo[:4] == hi[:4] else spans).append(entry)
    # Alternate labels above and below when two marks in a row are close in time.
    points.sort(key=lambda d: (d["side"], d["t"]))
    last: dict[str, str] = {}
    for d in points:
        prev = last.get(d["side"])
        d["below"] = bool(prev and int(d["t"][:4]) - int(prev[:4]) < 2 and not
                          last.get(d["side"] + "-below"))
        last[d["side"]] = d["t"]
        last[d["side"] + "-below"] = d["below"]  # type: ignore[assignment]
    all_marks = points + spans
    tscale = alt.Scale(domain=[f"{_first(all_marks)}-01-01", f"{_last(all_marks)}-12-31"])
    xs = alt.X("t:T", title=None, axis=alt.Axis(format="%Y", tickCount=10), scale=tscale)
    yside = alt.Y("side:N", sort=sides, title=None, scale=alt.Scale(domain=sides))
    tip = ["label:N", "date:N", "side:N", "basis:N"]
    span_rules = alt.Chart(alt.Data(values=spans)).mark_rule(
        strokeWidth=4, opacity=0.45).encode(x=alt.X("lo:T", scale=tscale), x2="hi:T",
                                            y=yside, color=colour, tooltip=tip)
    span_text = alt.Chart(alt.Data(values=spans)).mark_text(
        align="left", dy=11, fontSize=9, color="#333").encode(
        x=alt.X("lo:T", scale=tscale), y=yside,
        text=alt.Text("caption:N")).transform_calculate(
        caption="datum.date + ': ' + datum.label")
    dots = alt.Chart(alt.Data(values=points)).mark_circle(size=80, opacity=1).encode(
        x=xs, y=yside, color=colour, tooltip=tip)
    above = alt.Chart(alt.Data(values=[d for d in points if not d["below"]])).mark_text(
        align="left", angle=325, dx=5, dy=-5, fontSize=9, color="#333").encode(
        x=xs, y=yside, text="label:N")
    below = alt.Chart(alt.Data(values=[d for d in points if d["below"]])).mark_text(
        align="right", dx=-6, dy=12, fontSize=9, color="#333").encode(
        x=xs, y=yside, text="label:N")
    timeline = alt.layer(span_rules, span_text, dots, above, below).properties(
        width=WIDTH, height=66 * len(sides),
        title=alt.Title("Each proposal at its date (a band: dated only to a span of years)",
                        anchor="start", fontSize=12))
    chart = alt.vconcat(bars_chart, timeline, spacing=30).properties(
        title=_title("Initiative: who proposed the alliance's institutions and plans", [
            "Side from the case's proposed_by (or its proposers); unknown when the sources "
            "held do not say — never guessed."]))
    return _finish(chart)


def _first(dots: list[dict]) -> int:
    return min(int(d["lo"][:4]) for d in dots) if dots else 1951


def _last(dots: list[dict]) -> int:
    return max(int(d["hi"][:4]) for d in dots) if dots else 1978


# --- ATOP ----------------------------------------------------------------------------------


def atop_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """Where the treaties stand among all alliances and U.S. peers; text beside practice."""
    comp = result.table
    dist = result.extra["distribution"]
    peers = result.extra["peers"]
    side = result.extra["text_vs_practice"]
    mark_rows = []
    for r in _records(comp):
        mark_rows.append({"index": r["index"], "label": f"{r['atopid']} ({r['begyr']}): "
                          f"index {r['index']:g}, mid-rank {r['pct_all']:.1f}%"})
    dist_rows = [{"index": int(r["index"]), "alliances": int(r["alliances"]),
                  "case": any(r[c] for c in dist.columns if c.startswith("is_"))}
                 for r in _records(dist)]
    hist = alt.Chart(alt.Data(values=dist_rows)).mark_bar(size=30).encode(
        x=alt.X("index:O", title="military-institutionalization index (0–6)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("alliances:Q", title="alliances"),
        color=alt.condition("datum.case", alt.value("#c0392b"), alt.value("#9ecae1")),
        tooltip=["index:O", "alliances:Q"])
    counts = hist.mark_text(dy=-6, fontSize=10, color="#333").encode(text="alliances:Q",
                                                                     color=alt.value("#333"))
    notes = alt.Chart(alt.Data(values=[{"i": i, "text": m["label"]}
                                       for i, m in enumerate(mark_rows)])).mark_text(
        align="left", fontSize=11, color="#c0392b").encode(
        x=alt.value(95), y=alt.Y("i:O", axis=None), text="text:N").properties(height=34)
    left = alt.vconcat(alt.layer(hist, counts).properties(
        width=290, height=200,
        title=alt.Title(f"All {int(dist['alliances'].sum())} alliances with an index",
                        anchor="start", fontSize=12)), notes, spacing=2)
    case_ids = {int(a) for a in comp["atopid"]}
    peer_rows = [{"label": r["label"], "index": r["index"], "japan": int(r["atopid"]) in case_ids}
                 for r in _records(peers)]
    right = alt.Chart(alt.Data(values=peer_rows)).mark_bar(height=16).encode(
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=380)),
        x=alt.X("index:Q", title="index", scale=alt.Scale(domain=[0, 6]),
                axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.condition("datum.japan", alt.value("#c0392b"), alt.value("#9ecae1")),
        tooltip=["label:N", "index:Q"]).properties(
        width=150, height=200,
        title=alt.Title("U.S. peers", anchor="start", fontSize=12))
    counted = {(int(r["atopid"]), k[4:]): v for r in _records(comp) for k, v in r.items()
               if k.startswith("has_")}
    cells = []
    for r in _records(side):
        code = "—" if r["atop_code"] is None else f"{r['atop_code']:g}"
        hit = counted.get((int(r["atopid"]), r["variable"]))
        present = bool(hit) if hit is not None else code not in ("0", "—")
        note = "" if hit is None else (" (counts in the index)" if hit else
                                       " (not counted in the index)")
        cells.append({"variable": r["variable"], "column": f"{r['atopid']} text",
                      "value": f"ATOP {code}", "state": "text-" + ("1" if present else "0"),
                      "detail": r["atop_meaning"] + note})
        first = f" from {r['first_year']}" if r["first_year"] is not None else ""
        cells.append({"variable": r["variable"], "column": f"{r['atopid']} practice",
                      "value": r["practice"] + first, "state": r["practice"],
                      "detail": r["practice_ids"] or r["practice_label"] or "not coded"})
    columns = list(dict.fromkeys(c["column"] for c in cells))
    variables = list(dict.fromkeys(c["variable"] for c in cells))
    palette = {"text-0": "#f0f0f0", "text-1": "#9ecae1", "present": "#1b7837",
               "possible": "#a6dba0", "absent": "#fdb863", "not coded": "#ffffff"}
    grid_base = alt.Chart(alt.Data(values=cells)).encode(
        x=alt.X("column:N", sort=columns, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("variable:N", sort=variables, title=None))
    rects = grid_base.mark_rect(stroke="#ccc").encode(
        color=alt.Color("state:N", legend=None, scale=alt.Scale(
            domain=list(palette), range=list(palette.values()))),
        tooltip=["variable:N", "column:N", "value:N", "detail:N"])
    words = grid_base.mark_text(fontSize=10).encode(
        text="value:N",
        color=alt.condition("datum.state == 'present'", alt.value("white"), alt.value("#222")))
    table = alt.layer(rects, words).properties(
        width=WIDTH - 40, height=22 * len(variables),
        title=alt.Title("Treaty text (ATOP) beside practice (the case)", anchor="start",
                        fontSize=12, subtitle="text: blue = provided (for index components: "
                        "counted), grey = absent; practice: green = present, light = possible, "
                        "orange = absent", subtitleFontSize=10, subtitleColor="#555"))
    chart = alt.vconcat(alt.hconcat(left, right, spacing=40), table, spacing=20).properties(
        title=_title("The Japan–U.S. treaties in the ATOP data", [
            "Index: one point each for milcon, milaid, base, intcom, organ1 and a companion "
            "military agreement in the treaty text (red: the Japan–U.S. treaties).",
            "Practice: case items showing the provision during the treaty's years; 'not coded' "
            "where the coding rules give no practice selector."]))
    return _finish(chart)


# --- dispatch and files ----------------------------------------------------------------------

BUILDERS: dict[str, Callable] = {
    "secretarial": secretarial_chart,
    "substantiality": substantiality_chart,
    "typology": typology_chart,
    "initiative": initiative_chart,
    "atop": atop_chart,
}


def measure_chart(result) -> dict:  # type: ignore[no-untyped-def]
    """The chart spec of any measure result (power brings its own)."""
    if result.chart is not None:
        return result.chart
    return BUILDERS[result.name](result)


def save_measure_chart(spec: dict, stem: str | Path, *, scale: float = 2.0) -> list[Path]:
    """Write ``<stem>.svg`` and ``<stem>.png``; return both paths.

    The chart is laid out once: the PNG is rasterised from the SVG, so the two files show
    the same thing. Each is written to a temporary name and renamed.
    """
    import vl_convert as vlc

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg = vlc.vegalite_to_svg(spec)
    out = []
    for target, payload in ((stem.with_suffix(".svg"), svg.encode("utf-8")),
                            (stem.with_suffix(".png"), vlc.svg_to_png(svg, scale=scale))):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(payload)
        tmp.replace(target)
        out.append(target)
    return out
