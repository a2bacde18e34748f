"""Service functions for the alliance measures: what `allytrace measures` and the web call.

They find the project's case and coding rules, run the measures, and write tables and
charts; the analysis itself is in ``analysis.measures`` and the charts in
``report.measure_charts``.

>>> from allytrace.project import Project                      # doctest: +SKIP
>>> results, skipped = compute(Project.open("demo-project"))    # doctest: +SKIP
>>> [r.name for r in results]                                   # doctest: +SKIP
['secretarial', 'substantiality', 'typology', 'initiative', 'atop', 'power']
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from ..analysis.measures import MeasureResult
from ..analysis.measures.rules import DEFAULT_FILE, Rules, load_rules, project_rules_path
from ..errors import AllytraceError, NotFoundError
from ..project import Project

#: The measures in the order the command runs them.
MEASURES = ("secretarial", "substantiality", "typology", "initiative", "atop", "power")


def rules_file(project: Project) -> Path:
    """``<project>/measures.yaml`` (it may not exist: then the defaults apply)."""
    return project_rules_path(project.root)


def project_rules(project: Project) -> Rules:
    """The project's coding rules: its measures.yaml over the defaults."""
    return load_rules(rules_file(project))


def init_rules(project: Project, *, force: bool = False) -> Path:
    """Copy the default coding rules into the project as measures.yaml, to be edited."""
    target = rules_file(project)
    if target.exists() and not force:
        raise AllytraceError(
            f"{target} already exists",
            hint="edit it, or pass --force to replace it (a .bak copy is kept)",
        )
    if target.exists():
        shutil.copy2(target, target.with_name(target.name + ".bak"))
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(DEFAULT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(target)
    return target


def atop_folder(project: Project | None, explicit: str | Path | None = None) -> Path | None:
    """Where the ATOP CSVs are: the given folder, the project's ``[atop] folder`` setting,
    ``$ALLYTRACE_SHARED_DATA/atop``, or ``../shared/data/atop``; None when none exists.

    An explicit folder is returned even when it is missing, so the error names it.
    """
    if explicit is not None:
        return Path(explicit)
    candidates: list[Path] = []
    if project is not None:
        setting = project.setting("atop", "folder")
        if setting:
            path = Path(setting).expanduser()
            candidates.append(path if path.is_absolute() else project.root / path)
    if os.environ.get("ALLYTRACE_SHARED_DATA"):
        candidates.append(Path(os.environ["ALLYTRACE_SHARED_DATA"]) / "atop")
    candidates.append(Path("../shared/data/atop"))
    if project is not None:
        candidates.append(project.root.resolve().parent / "shared" / "data" / "atop")
    from ..analysis.atop import ALLIANCE_FILE

    return next((c for c in candidates if (c / ALLIANCE_FILE).is_file()), None)


def _which(which: str | Iterable[str]) -> list[str]:
    names = list(MEASURES) if which == "all" else [which] if isinstance(which, str) else list(which)
    unknown = [n for n in names if n not in MEASURES]
    if unknown:
        raise NotFoundError(f"no measure {unknown[0]!r}", hint="one of: " + ", ".join(MEASURES))
    return names


def compute_case(
    case,  # type: ignore[no-untyped-def]
    rules: Rules,
    which: str | Iterable[str] = "all",
    *,
    atop_dir: str | Path | None = None,
    require_atop: bool = False,
) -> tuple[list[MeasureResult], list[str]]:
    """Run measures on a loaded case; returns the results and notes on measures skipped.

    The ATOP comparison needs the ATOP data: without it, it is skipped with a note when
    running "all", and is an error when asked for by name (``require_atop``).
    """
    from ..analysis.measures import initiative, secretarial, substantiality, typology

    names = _which(which)
    results: list[MeasureResult] = []
    skipped: list[str] = []
    for name in names:
        if name == "secretarial":
            results.append(secretarial.secretarial_index(case, rules))
        elif name == "substantiality":
            results.append(substantiality.substantiality_index(case, rules))
        elif name == "typology":
            results.append(typology.typology(case, rules))
        elif name == "initiative":
            results.append(initiative.initiative(case, rules))
        elif name == "atop":
            if atop_dir is None:
                msg = "ATOP data not found"
                hint = "pass --atop DIR (the folder with atop-alliance-level.csv) or set " \
                       "[atop] folder in allytrace.toml"
                if require_atop:
                    raise NotFoundError(msg, hint=hint)
                skipped.append(f"atop: skipped — {msg} ({hint})")
                continue
            from ..analysis.atop import load_atop
            from ..analysis.measures.atop_practice import atop_comparison

            results.append(atop_comparison(case, rules, load_atop(atop_dir)))
        elif name == "power":
            from ..analysis.measures.power_events import power_diffusion

            results.append(power_diffusion(case, rules))
    return results, skipped


def compute(
    project: Project,
    which: str | Iterable[str] = "all",
    *,
    case: str | None = None,
    atop_dir: str | Path | None = None,
) -> tuple[list[MeasureResult], list[str]]:
    """Run measures on the project's case with the project's coding rules."""
    from . import load_project_case

    rules = project_rules(project)
    names = _which(which)
    folder = atop_folder(project, atop_dir) if "atop" in names else None
    return compute_case(
        load_project_case(project, case),
        rules,
        names,
        atop_dir=folder,
        require_atop=names == ["atop"] or atop_dir is not None,
    )


def write_charts(results: Iterable[MeasureResult], folder: str | Path) -> list[Path]:
    """Write each measure's chart as ``measures-NAME.svg`` and ``.png`` in ``folder``."""
    from ..report.measure_charts import measure_chart, save_measure_chart

    folder = Path(folder)
    written: list[Path] = []
    for result in results:
        written += save_measure_chart(measure_chart(result), folder / f"measures-{result.name}")
    return written


def export_tables(results: Iterable[MeasureResult], folder: str | Path, fmt: str) -> list[Path]:
    """Write every table of every result as CSV or Parquet (``NAME.csv``, ``NAME_evidence``…)."""
    if fmt not in ("csv", "parquet"):
        raise AllytraceError(f"unknown table format {fmt!r}", hint="csv or parquet")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise AllytraceError(f"{folder}: exists and is not a folder", hint="choose a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for result in results:
        for stem, frame in result.tables().items():
            target = folder / f"{stem}.{fmt}"
            tmp = target.with_name(target.name + ".tmp")
            if fmt == "csv":
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
            tmp.replace(target)
            written.append(target)
    return written
