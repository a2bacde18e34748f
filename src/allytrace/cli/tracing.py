"""Process-tracing commands: `trace SET` and `report`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ._common import JsonOpt, ProjectOpt, console, emit_json, open_project

CaseOpt = Annotated[Optional[str], typer.Option("--case", help="Case name (default from allytrace.toml).")]


class Dependence(str, Enum):
    product = "product"
    strongest = "strongest"


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace_cmd(
        set_id: Annotated[Optional[str], typer.Argument(metavar="SET", help="Hypothesis set id; omit to list the sets.")] = None,
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: CaseOpt = None,
        dependence: Annotated[Dependence, typer.Option(help="product (warn on dependent items) or strongest (keep the strongest of each dependent cluster).")] = Dependence.product,
        charts: Annotated[Optional[Path], typer.Option(help="Folder for posterior, trajectory and sensitivity charts (SVG+PNG).")] = None,
        json_: JsonOpt = False,
    ) -> None:
        """The evidence table and the posteriors for a hypothesis set, with what the verdict hinges on."""
        from ..service import tracing

        proj = open_project(project)
        if set_id is None:
            sets = tracing.hypothesis_sets(proj, case)
            if json_:
                emit_json([{"id": s.id, "question": s.question, "hypotheses": len(s.hypotheses),
                            "evidence": n, "assessed": a} for s, n, a in sets])
                return
            t = Table(title="Hypothesis sets")
            for col in ("Set", "Question", "Rivals", "Evidence", "Assessed"):
                t.add_column(col)
            for s, n, a in sets:
                t.add_row(s.id, s.question, str(len(s.hypotheses)), str(n), str(a))
            console.print(t)
            return
        tr = tracing.trace_set(proj, set_id, case, dependence=dependence.value)
        inf, sens = tr.inference, tr.sensitivity
        if charts:
            from ..report import tracing_charts as tc

            for name, chart in (("posterior", tc.posterior_chart(inf)), ("trajectory", tc.trajectory_chart(inf)),
                                ("sensitivity", tc.tornado_chart(sens, inf))):
                for suffix in (".svg", ".png"):
                    tc.save(chart, charts / f"{set_id}-{name}{suffix}")
        if json_:
            emit_json({
                "set": set_id, "question": tr.set.question, "leader": inf.leader, "tied": inf.tied,
                "priors": inf.priors, "posteriors": inf.posteriors, "total_vs_rest_db": inf.total_vs_rest,
                "items": [{"id": r.id, "document": r.evidence.document, "paragraph": r.evidence.paragraph,
                           "footnote": r.evidence.footnote, "quote": r.evidence.quote, "stance": r.evidence.stance,
                           "likelihoods": {h: lk.value for h, lk in r.weight.likelihoods.items()} if r.weight else None,
                           "vs_rest_db": dict(r.weight.vs_rest) if r.weight else None,
                           "excluded": r.excluded_reason} for r in tr.rows],
                "hinges_on": list(sens.hinges_on), "robust": sens.robust,
                "prior_sweep_share": sens.priors.verdict_share if sens.priors else None,
                "caveats": [c.message for c in inf.caveats],
            })
            return
        console.print(f"[bold]{escape(tr.set.question)}[/]")
        hs = tr.set.hypotheses
        et = Table(title="Evidence (P(E|H) per rival; weight for the leader against the rest)", show_lines=True, expand=True)
        et.add_column("Item", style="cyan", overflow="fold")
        et.add_column("Quote", ratio=2)
        for h in hs:
            et.add_column(h.id, justify="right", overflow="fold")
        et.add_column("dB", justify="right")
        for r in tr.rows:
            e = r.evidence
            where = f"¶{e.paragraph}" if e.paragraph is not None else f"fn {e.footnote}"
            quote = f"\\[{e.stance}] “{escape(e.quote[:160])}{'…' if len(e.quote) > 160 else ''}” — {e.document} {where}"
            if r.weight:
                cells = [f"{r.weight.p(h.id):.2f}" for h in hs]
                db = f"{r.weight.vs_rest[inf.leader]:+.1f}"
            else:
                cells, db = ["—"] * len(hs), "—"
            et.add_row(e.id, quote, *cells, db)
        console.print(et)
        pt = Table(title="Posteriors")
        for col in ("Hypothesis", "Prior", "Posterior", "Weight vs rest", ""):
            pt.add_column(col, justify="left" if col in ("Hypothesis", "") else "right")
        for h in sorted(hs, key=lambda h: -inf.posteriors[h.id]):
            p = inf.posteriors[h.id]
            pt.add_row(("[bold]" if h.id == inf.leader else "") + escape(h.label), f"{inf.priors[h.id]:.1%}",
                       f"{p:.1%}", f"{inf.total_vs_rest[h.id]:+.1f} dB", "█" * round(30 * p))
        console.print(pt)
        if sens.hinges_on:
            console.print(f"[yellow]The verdict hinges on:[/] {', '.join(sens.hinges_on)}")
        else:
            console.print("[green]No single item or plausible likelihood change flips the verdict.[/]")
        if sens.priors:
            console.print(f"Random priors (Dirichlet): same leader in {sens.priors.verdict_share:.0%} of {sens.priors.draws} draws.")
        for c in inf.caveats:
            console.print(f"[dim]note: {escape(c.message)}[/]")

    @app.command()
    def report(
        set_ids: Annotated[Optional[list[str]], typer.Argument(metavar="[SET]...", help="Hypothesis sets (default: all with assessed evidence).")] = None,
        project: ProjectOpt = None,  # type: ignore[assignment]
        case: CaseOpt = None,
        out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder (default: exports/reports).")] = None,
        json_: JsonOpt = False,
    ) -> None:
        """Write an HTML process-tracing report per hypothesis set: rivals, quoted evidence, charts."""
        from ..service import tracing

        proj = open_project(project)
        paths = tracing.write_reports(proj, set_ids or None, case, out_dir=out)
        if json_:
            emit_json([str(p) for p in paths])
        else:
            for p in paths:
                console.print(f"[green]Wrote[/] {escape(str(p))}")
