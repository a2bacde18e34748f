"""Charts for Bayesian process tracing, as Vega-Lite specs (Altair) and SVG/PNG files.

- :func:`posterior_chart` — each rival's prior and posterior side by side;
- :func:`trajectory_chart` — the posteriors as the evidence is added in a stated order
  (the end point does not depend on the order; the path does);
- :func:`tornado_chart` — the sensitivity analysis: how far the leading hypothesis's
  posterior moves as each likelihood or prior runs over its range.

Example::

    >>> from allytrace.analysis.bayes import Assessment, EvidenceItem, Hypothesis, infer
    >>> r = infer([Hypothesis("h1"), Hypothesis("h2")],
    ...           [EvidenceItem("e", [Assessment("h1", test="smoking-gun")])])
    >>> posterior_chart(r).to_dict()["$schema"][:33]
    'https://vega.github.io/schema/veg'
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import altair as alt

from ..analysis.bayes import Inference, trajectory
from ..analysis.sensitivity import Sensitivity
from .charts import save_chart

PRIOR_COLOUR = "#b8bfc7"
POSTERIOR_COLOUR = "#3b6ea5"
LOW_COLOUR = "#d08c4f"
HIGH_COLOUR = "#3b6ea5"
FLIP_COLOUR = "#b3261e"
# Colour-blind-safe categorical palette (Okabe–Ito, without yellow, which reads badly on white).
HYPOTHESIS_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000"]
FONT = "Helvetica, Arial, sans-serif"


def _wrap(text: str, width: int = 26, lines: int = 3) -> str:
    """Axis label text broken into at most ``lines`` lines (joined by newlines)."""
    parts = textwrap.wrap(text, width) or [text]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, titleColor="#444", labelColor="#333",
                        gridColor="#e6e6e6", domainColor="#999", tickColor="#999")
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom", titleColor="#444")
        .configure_title(fontSize=14, subtitleFontSize=11, subtitleColor="#555", anchor="start",
                         offset=10)
    )


def _pct(p: float) -> str:
    if p == 0:
        return "0%"
    if p < 0.001:
        return "<0.1%"
    if p > 0.999 and p != 1:
        return ">99.9%"
    return f"{p:.1%}" if p < 0.1 or p > 0.9 else f"{p:.0%}"


def _multiline_axis(**kwargs) -> alt.Axis:
    # Labels carry "\n" for line breaks; Vega draws an array of strings as several lines.
    return alt.Axis(labelExpr="split(datum.value, '\\n')", labelLimit=260, **kwargs)


def posterior_chart(result: Inference, *, width: int = 420) -> alt.Chart:
    """Horizontal bars: each rival's prior (grey) and posterior (blue), largest posterior first."""
    ordered = sorted(result.hypotheses, key=lambda h: -result.posteriors[h.id])
    data = []
    for h in ordered:
        name = _wrap(h.name)
        for kind, p in (("Prior", result.priors[h.id]), ("Posterior", result.posteriors[h.id])):
            data.append({"hypothesis": name, "id": h.id, "label": h.name, "kind": kind,
                         "p": p, "text": _pct(p)})
    sort = [_wrap(h.name) for h in ordered]
    leader = result.hypothesis(result.leader)
    n = len(result.items)
    subtitle = [
        f"{n} evidence item{'s' if n != 1 else ''}; "
        + ("no single leader (tie)" if result.tied
           else f"leading: {leader.name} ({_pct(result.posteriors[leader.id])})"),
    ]
    if result.clusters and result.dependence == "product":
        subtitle.append("Some items are marked dependent and were multiplied: the posterior may "
                        "be overconfident.")
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("hypothesis:N", sort=sort, title=None, axis=_multiline_axis(ticks=False)),
        yOffset=alt.YOffset("kind:N", sort=["Prior", "Posterior"]),
        x=alt.X("p:Q", title="Probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", tickCount=5)),
        tooltip=[alt.Tooltip("label:N", title="Hypothesis"), alt.Tooltip("kind:N", title=""),
                 alt.Tooltip("p:Q", title="Probability", format=".3f")],
    )
    bars = base.mark_bar(height={"band": 0.9}, cornerRadiusEnd=2).encode(
        color=alt.Color("kind:N", title=None, sort=["Prior", "Posterior"],
                        scale=alt.Scale(domain=["Prior", "Posterior"],
                                        range=[PRIOR_COLOUR, POSTERIOR_COLOUR])),
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11, color="#333").encode(text="text:N")
    step = 22
    chart = alt.layer(bars, labels).properties(
        width=width,
        height=alt.Step(step),
        title=alt.Title("Prior and posterior probability of each rival", subtitle=subtitle),
    )
    return _config(chart)


def trajectory_chart(
    result: Inference, order: Sequence[str] | None = None, *, width: int | None = None
) -> alt.Chart:
    """Lines: each rival's posterior after each item, in ``order`` (default: as listed)."""
    steps = trajectory(result, order)
    stages = ["prior"] + [s.item for s in steps[1:]]
    data = []
    for s, stage in zip(steps, stages):
        for h in result.hypotheses:
            data.append({"stage": stage, "index": s.index, "hypothesis": h.name,
                         "item": "(priors only)" if s.item is None else s.label,
                         "p": s.posteriors[h.id], "weight": s.weight[h.id]})
    names = [h.name for h in result.hypotheses]
    colours = (HYPOTHESIS_COLOURS * (len(names) // len(HYPOTHESIS_COLOURS) + 1))[: len(names)]
    if width is None:
        width = max(360, min(900, 48 * len(stages)))
    said = "as listed in the case" if order is None else "in the order chosen"
    # Angle the item ids when they would not fit side by side (about 6.5 px a character).
    crowded = max(len(x) for x in stages) * 6.5 > width / len(stages)
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("stage:N", sort=stages, title="Evidence added, " + said,
                axis=alt.Axis(labelAngle=-35 if crowded else 0, labelLimit=160,
                              labelAlign="right" if crowded else "center")),
        y=alt.Y("p:Q", title="Posterior probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", tickCount=5)),
        color=alt.Color("hypothesis:N", title=None, sort=names,
                        scale=alt.Scale(domain=names, range=colours),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400)),
        tooltip=[alt.Tooltip("item:N", title="After"), alt.Tooltip("hypothesis:N"),
                 alt.Tooltip("p:Q", title="Posterior", format=".3f"),
                 alt.Tooltip("weight:Q", title="Weight of this item (dB vs rest)", format="+.1f")],
    )
    lines = base.mark_line(strokeWidth=2, interpolate="linear")
    points = base.mark_point(filled=True, size=45, opacity=1)
    chart = alt.layer(lines, points).properties(
        width=width,
        height=240,
        title=alt.Title(
            "Posterior as the evidence is added",
            subtitle=["Step 0 is the prior. The end point is the same in any order; "
                      "only the path depends on it."],
        ),
    )
    return _config(chart)


def tornado_chart(
    sens: Sensitivity, result: Inference | None = None, *, top: int = 12, width: int = 380
) -> alt.Chart:
    """Bars from the leader's posterior to its value at each end of a parameter's range.

    One row per likelihood or prior (the ``top`` with the largest swing); rows where the
    verdict flips are marked. Pass ``result`` to label rows with item and hypothesis names.
    """
    rows = sens.tornado(top)
    hyp = {h.id: h.name for h in result.hypotheses} if result else {}
    items = {it.item: it.label for it in result.items} if result else {}

    def name(r) -> str:
        # Hypothesis ids, not labels: they are short, and the x axis names the leader in full.
        if r.parameter == "prior":
            return f"Prior of {r.hypothesis}"
        item = _wrap(items.get(r.item, r.item), width=36, lines=1)
        return f"{item}\nP(E | {r.hypothesis})"

    labels: list[str] = []
    for r in rows:
        label = name(r)
        while label in labels:  # keep rows distinct even if two names wrap alike
            label += " "
        labels.append(label)
    data = []
    for r, label in zip(rows, labels):
        for end, value, p, win in (("low end", r.low, r.posterior_low, r.winner_low),
                                   ("high end", r.high, r.posterior_high, r.winner_high)):
            data.append({"row": label, "end": f"Parameter at its {end}", "from": sens.posterior,
                         "to": p, "value": value, "base": r.base, "winner": hyp.get(win, win),
                         "flips": r.flips, "source": r.range_source})
    flips = [{"row": label, "x": max(r.posterior_low, r.posterior_high), "text": "verdict flips"}
             for r, label in zip(rows, labels) if r.flips]
    xs = [d["to"] for d in data] + [sens.posterior]
    span = max(xs) - min(xs) if xs else 0
    pad = max(0.02, 0.08 * span)
    lo, hi = max(0.0, min(xs) - pad), min(1.0, max(xs) + pad + (0.12 * span + 0.03 if flips else 0))
    scale = alt.Scale(domain=[lo, hi], zero=False, nice=False, clamp=True)
    leader = hyp.get(sens.leader, sens.leader)
    y = alt.Y("row:N", sort=labels, title=None, axis=_multiline_axis(ticks=False))
    bars = alt.Chart(alt.Data(values=data)).mark_bar(height={"band": 0.7}).encode(
        y=y,
        x=alt.X("from:Q", scale=scale, title=f"Posterior of {_wrap(leader, 70, 1)}",
                axis=alt.Axis(format=".0%" if span > 0.05 else ".1%", tickCount=6)),
        x2="to:Q",
        color=alt.Color("end:N", title=None,
                        sort=["Parameter at its low end", "Parameter at its high end"],
                        scale=alt.Scale(range=[LOW_COLOUR, HIGH_COLOUR])),
        tooltip=[alt.Tooltip("row:N", title="Parameter"), alt.Tooltip("end:N", title=""),
                 alt.Tooltip("base:Q", title="Value used", format=".3f"),
                 alt.Tooltip("value:Q", title="Value at this end", format=".3f"),
                 alt.Tooltip("source:N", title="Range"),
                 alt.Tooltip("to:Q", title=f"Posterior of {leader}", format=".3f"),
                 alt.Tooltip("winner:N", title="Leading hypothesis")],
    )
    rule = alt.Chart(alt.Data(values=[{"x": sens.posterior}])).mark_rule(
        color="#222", strokeDash=[4, 3]).encode(x=alt.X("x:Q", scale=scale))
    layers = [bars, rule]
    if flips:
        layers.append(
            alt.Chart(alt.Data(values=flips)).mark_text(
                align="left", dx=5, fontSize=10, fontWeight="bold", color=FLIP_COLOUR
            ).encode(y=y, x=alt.X("x:Q", scale=scale), text="text:N")
        )
    hinge = ("Items whose range or removal flips it: "
             + ", ".join(items.get(i, i) for i in sens.hinges_on)
             if sens.hinges_on else "No single item's range or removal flips the verdict.")
    if sens.tied:
        hinge = f"A tie: \u201cverdict flips\u201d marks a rival overtaking {leader}."
    subtitle = [
        f"Each parameter alone over its range: likelihoods as stated or ×/÷ {sens.odds_factor:g}"
        f" in odds, priors ×/÷ {sens.prior_factor:g} in odds.",
        f"Dashed line: the posterior as analysed ({_pct(sens.posterior)}). {hinge}",
    ]
    chart = alt.layer(*layers).properties(
        width=width, height=alt.Step(30),
        title=alt.Title("What the verdict hinges on", subtitle=subtitle),
    )
    return _config(chart)


def save(chart: alt.TopLevelMixin | dict, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write a chart as SVG, PNG or Vega-Lite JSON, by the file's suffix (via vl-convert)."""
    return save_chart(chart, path, scale=scale)


__all__ = ["posterior_chart", "save", "tornado_chart", "trajectory_chart"]
