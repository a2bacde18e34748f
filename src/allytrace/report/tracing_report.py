"""The process-tracing report: one self-contained HTML page per hypothesis set.

Charts are inlined as SVG (rendered from their Vega-Lite specs), so a report opens offline
and can be archived or e-mailed as one file. Every quote carries its document, paragraph
(or footnote) and offsets as data attributes, so a reader — or a test — can check it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from ..analysis.tracing import Trace
from . import tracing_charts


@dataclass(frozen=True)
class CitedDocument:
    short: str  # short Chicago note
    url: str


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("allytrace.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda p: f"{100 * p:.1f}%"
    env.filters["db"] = lambda d: f"{d:+.1f} dB"
    return env


def _svg(chart) -> str:  # type: ignore[no-untyped-def]
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vlc.vegalite_to_svg(spec)


def render(trace: Trace, case, cite: Callable[[str], CitedDocument], *, case_name: str) -> str:  # type: ignore[no-untyped-def]
    """The HTML text of one hypothesis set's report."""
    inf, sens = trace.inference, trace.sensitivity
    charts = {
        "posterior": _svg(tracing_charts.posterior_chart(inf)),
        "trajectory": _svg(tracing_charts.trajectory_chart(inf)) if inf.items else "",
        "tornado": _svg(tracing_charts.tornado_chart(sens, inf)) if sens.rows else "",
    }
    cited = {r.evidence.document: cite(r.evidence.document) for r in trace.rows}
    outcome = case.get(trace.set.outcome)
    return _env().get_template("tracing.html.j2").render(
        trace=trace, inf=inf, sens=sens, hs=trace.set, case=case, case_name=case_name,
        outcome=outcome, cited=cited, charts=charts,
        hyp={h.id: h for h in trace.set.hypotheses},
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write(html: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
