"""Charts for the workbench: Vega-Lite specs for the browser, and SVG when script is off.

The page embeds each spec as JSON and vega-embed draws it; a ``<noscript>`` image (and the
script itself, when the vendored libraries are missing) falls back to the same spec rendered
to SVG on the server by vl-convert. The spec builders here only arrange data that the
service layer computed; the charts shared with the CLI come from ``allytrace.report``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt

ACCENT = "#3b5f8a"
# No family name with a digit ("Source Sans 3"): Vega measures text with the canvas font
# shorthand, which rejects such names and falls back to 10px, so labels would be clipped.
FONT = "Helvetica Neue, Helvetica, Arial, Liberation Sans, sans-serif"
CONFIG = {
    "font": FONT,
    "view": {"stroke": "transparent"},
    "axis": {"labelColor": "#3c3c3c", "titleColor": "#3c3c3c", "gridColor": "#ececec",
             "domainColor": "#bbb", "tickColor": "#bbb", "labelFontSize": 11, "titleFontSize": 11},
    "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600, "color": "#1f1f1f"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11},
}


def to_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """A plain Vega-Lite dict with the workbench's look (unless the chart sets its own)."""
    # Altair's schema validation costs more than drawing; the builders are tested instead.
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    spec = dict(spec)
    config = dict(CONFIG)
    config.update(spec.get("config") or {})
    spec["config"] = config
    return spec


_MEMO: OrderedDict[str, Any] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def memo(key: tuple, build: Callable[[], Any], *, size: int = 32) -> Any:
    """``build()`` once per ``key`` (a few recent keys are kept): for slow, pure chart specs."""
    k = json.dumps(key, sort_keys=True, default=str)
    with _MEMO_LOCK:
        if k in _MEMO:
            _MEMO.move_to_end(k)
            return _MEMO[k]
    value = build()
    with _MEMO_LOCK:
        _MEMO[k] = value
        while len(_MEMO) > size:
            _MEMO.popitem(last=False)
    return value


# -- server-side SVG ------------------------------------------------------------------------

_SVG_CACHE: OrderedDict[str, str] = OrderedDict()
_SVG_LOCK = threading.Lock()
_SVG_MAX = 64


def svg(spec: dict) -> str:
    """The spec rendered to SVG (cached by content; a few dozen recent charts are kept)."""
    import vl_convert as vlc

    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    with _SVG_LOCK:
        if key in _SVG_CACHE:
            _SVG_CACHE.move_to_end(key)
            return _SVG_CACHE[key]
    text = vlc.vegalite_to_svg(spec)
    with _SVG_LOCK:
        _SVG_CACHE[key] = text
        while len(_SVG_CACHE) > _SVG_MAX:
            _SVG_CACHE.popitem(last=False)
    return text


# -- the workbench's own charts --------------------------------------------------------------


def mention_timeline(by_month: Mapping[str, int], label: str) -> dict:
    """Mentions per month as bars on a time axis (months without mentions stay empty)."""
    data = [{"month": f"{m}-01", "label": m, "mentions": n} for m, n in by_month.items()]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
            y=alt.Y("mentions:Q", title="Mentions per month", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("label:N", title="Month"), alt.Tooltip("mentions:Q", title="Mentions")],
        )
        .properties(title=f"Mentions of {label}, by month", width=640, height=170)
    )
    return to_spec(chart)


LEVEL_COLOURS = {  # the same colours as the institutional timeline
    "ministerial": "#7b3294", "senior-official": "#c2a5cf", "working-level": "#008837",
    "military-to-military": "#a6611a", "unknown": "#999999",
}
SIDE_COLOURS = {"japan": "#c0392b", "united-states": "#2f5a87", "joint": "#6b6b6b", "other": "#b0b0b0"}


def _layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Positions in [-1, 1]²: the largest component on the left, the small ones stacked right.

    A force layout of a graph with several components flings the small ones to the corners
    and squeezes the main one; laying out each component in its own box keeps all readable.
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    if not comps:
        return {}
    boxes: list[tuple[float, float, float, float]] = []  # x0, x1, y0, y1
    rest = comps[1:]
    main_right = 1.0 if not rest else 0.42
    boxes.append((-1.0, main_right, -1.0, 1.0))
    total = sum(len(c) for c in rest) or 1
    y = 1.0
    for c in rest:
        h = max(0.18, 2.0 * len(c) / total)
        boxes.append((0.58, 1.0, y - h, y))
        y -= h
    pos: dict[str, tuple[float, float]] = {}
    for comp, (x0, x1, y0, y1) in zip(comps, boxes, strict=True):
        sub = g.subgraph(comp)
        if len(comp) == 1:
            raw = {comp[0]: (0.0, 0.0)}
        else:
            raw = nx.spring_layout(sub, seed=7, k=2.2 / len(comp) ** 0.5, iterations=300)
        xs = [p[0] for p in raw.values()]
        ys = [p[1] for p in raw.values()]
        for n, (px, py) in raw.items():
            fx = 0.5 if max(xs) - min(xs) < 1e-9 else (px - min(xs)) / (max(xs) - min(xs))
            fy = 0.5 if max(ys) - min(ys) < 1e-9 else (py - min(ys)) / (max(ys) - min(ys))
            pad_x, pad_y = 0.08 * (x1 - x0), 0.1 * (y1 - y0)
            pos[n] = (x0 + pad_x + fx * (x1 - x0 - 2 * pad_x), y0 + pad_y + fy * (y1 - y0 - 2 * pad_y))
    return pos


def network_chart(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]],
                  title: str = "Actors and institutions") -> dict:
    """The actor–institution network: a force layout per component (networkx, fixed seed)
    drawn as a Vega-Lite layer chart. Bodies are squares coloured by level, actors circles
    coloured by side; every body is labelled, actors only when they link two or more."""
    pos = _layout([n["id"] for n in nodes], [(e["source"], e["target"]) for e in edges])
    pts = []
    for n in nodes:
        x, y = pos.get(n["id"], (0.0, 0.0))
        kind = n.get("kind", "")
        colour_key = (n.get("group") or "unknown") if kind == "institution" else (n.get("group") or "other")
        pts.append({
            "id": n["id"], "label": n.get("label", n["id"]), "ja": n.get("ja", ""), "kind": kind,
            "group": colour_key, "x": float(x), "y": float(y), "degree": n.get("degree", 1),
            "href": "/entity/" + n["id"],
            "show": kind == "institution" or n.get("degree", 1) >= 2,
        })
    lines = []
    for e in edges:
        (x, y), (x2, y2) = pos[e["source"]], pos[e["target"]]
        lines.append({"x": float(x), "y": float(y), "x2": float(x2), "y2": float(y2),
                      "relation": e.get("relation", ""), "pair": f"{e['source']} — {e['target']}"})
    domain = [*LEVEL_COLOURS, *[s for s in SIDE_COLOURS if s not in LEVEL_COLOURS]]
    colours = [*LEVEL_COLOURS.values(), *[SIDE_COLOURS[s] for s in SIDE_COLOURS if s not in LEVEL_COLOURS]]
    used = {p["group"] for p in pts}
    keep = [i for i, d in enumerate(domain) if d in used]
    scale = alt.Scale(domain=[-1.08, 1.08], nice=False)
    x = alt.X("x:Q", axis=None, scale=scale)
    y = alt.Y("y:Q", axis=None, scale=scale)
    edge_layer = (
        alt.Chart(alt.Data(values=lines)).mark_rule(color="#c4c0b6", strokeWidth=1)
        .encode(x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=[alt.Tooltip("pair:N", title="Link"),
                                                        alt.Tooltip("relation:N", title="Relation")])
    )
    node_layer = (
        alt.Chart(alt.Data(values=pts)).mark_point(filled=True, opacity=1, stroke="white", strokeWidth=1.2)
        .encode(
            x=x, y=y,
            shape=alt.Shape("kind:N", title="Kind", scale=alt.Scale(domain=["institution", "actor"],
                                                                    range=["square", "circle"])),
            color=alt.Color("group:N", title="Level (bodies) · side (actors)",
                            scale=alt.Scale(domain=[domain[i] for i in keep], range=[colours[i] for i in keep])),
            size=alt.Size("degree:Q", legend=None, scale=alt.Scale(range=[70, 380])),
            href="href:N",
            tooltip=[alt.Tooltip("label:N", title="Name"), alt.Tooltip("ja:N", title="日本語"),
                     alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("group:N", title="Level / side"),
                     alt.Tooltip("degree:Q", title="Links")],
        )
    )
    label_layer = (
        alt.Chart(alt.Data(values=[p for p in pts if p["show"]]))
        .mark_text(fontSize=10, dy=-12, color="#2b2b2b", limit=190)
        .encode(x=x, y=y, text="label:N")
    )
    chart = alt.layer(edge_layer, node_layer, label_layer).properties(title=title, width=760, height=560)
    spec = to_spec(chart)
    spec["config"]["view"] = {"stroke": "transparent"}
    return spec
