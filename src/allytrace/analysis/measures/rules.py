"""The measures' coding rules: a YAML file the user can read, copy and change.

The defaults ship as ``analysis/data/measures.yaml``. A project may hold its own
``measures.yaml``; each top-level section it has (``periods``, ``secretarial``, ...) replaces
the default section, and the sections it leaves out keep the defaults. Rules are checked
strictly: bad YAML, an unknown field, a wrong type or an unknown typology indicator is a
``RulesError`` naming the file, the line and the field — one line, never a traceback.

>>> rules = load_rules()
>>> rules.secretarial.levels["senior-official"]
'working'
>>> [r.id for r in rules.typology.rules][:2]
['symmetric', 'hybrid-itayama']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ...case.files import _plain as plain_yaml
from ...case.files import field_message, format_field, line_of, read_yaml
from ...case.model import SLUG_PATTERN, Approval, Level, Side
from ...errors import LocatedError

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "measures.yaml"
PROJECT_FILE = "measures.yaml"

#: The indicators a typology rule may test, and the values each can take.
INDICATORS: dict[str, str] = {
    "exchange": "security-security, security-autonomy, other or none",
    "form": "people-to-people, people-to-things, both or none",
    "people_to_people": "yes, possible or no",
    "people_to_things": "yes or no",
    "defence_scope": "the scopes of the defence provisions in force, e.g. japan",
    "basing_scope": "the scopes of the basing provisions in force, e.g. far-east",
    "one_sided_defence": "yes, no or unknown",
    "defence_binding": "yes, no or none",
}


class RulesError(LocatedError):
    """A coding-rules file that cannot be used: bad YAML, unknown field, wrong value."""


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class YearSpan(_Rules):
    start: int = Field(ge=1000, le=3000, description="first year")
    end: int = Field(ge=1000, le=3000, description="last year (inclusive)")

    @model_validator(mode="after")
    def _order(self) -> YearSpan:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class Period(YearSpan):
    id: str = Field(min_length=1, description="label of the period, e.g. 1955-1959")


class Scope(_Rules):
    exclude: dict[str, str] = Field(default_factory=dict, description="item id -> reason")


class Dates(_Rules):
    episodic_kinds: list[str] = Field(default_factory=list)


class Selector(_Rules):
    """Which case items count: by kind, level, and whether both members take part."""

    kinds: list[str] | None = None
    levels: list[Level] | None = None
    both_members: bool = False


class SecretarialRules(_Rules):
    levels: dict[Level, Literal["ministerial", "working", "exclude"]]
    basis: Literal["channels", "meetings"] = "channels"
    meeting_kinds: list[str] = Field(default_factory=lambda: ["meeting"])


class Component(_Rules):
    label: str = Field(min_length=1)
    weight: float = Field(gt=0)
    kinds: list[str] | None = None
    officialness: dict[Approval, float] | None = None

    @model_validator(mode="after")
    def _one(self) -> Component:
        if (self.kinds is None) == (self.officialness is None):
            raise ValueError("a component gives exactly one of kinds or officialness")
        return self


class SubstantialityRules(_Rules):
    framework: Selector
    components: dict[str, Component] = Field(min_length=1)


class Rule(_Rules):
    id: str = Field(pattern=SLUG_PATTERN)
    when: dict[str, str | list[str]] = Field(min_length=1)
    class_: str = Field(alias="class", min_length=1)
    reason: str | None = None
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _booleans(cls, data: Any) -> Any:
        # YAML true/false are accepted for yes/no indicators.
        if isinstance(data, dict) and isinstance(data.get("when"), dict):
            fix = {True: "yes", False: "no"}
            data = dict(data)
            data["when"] = {
                k: ([fix.get(x, x) for x in v] if isinstance(v, list) else fix.get(v, v))
                for k, v in data["when"].items()
            }
        return data


class TypologyRules(_Rules):
    interests: dict[str, str]
    defence_kinds: list[str]
    basing_kinds: list[str]
    cooperation: Selector
    territories: dict[str, Side] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)
    fallback: str = "unclassified"


class InitiativeRules(_Rules):
    institutions: bool = True
    plan_kinds: list[str] = Field(default_factory=list)
    side_from_proposers: bool = True


class PracticeRule(_Rules):
    label: str
    plans: Selector | None = None
    institutions: Selector | None = None
    events: Selector | None = None


class AtopRules(_Rules):
    treaties: dict[int, str]
    compag_military: list[int] = Field(default_factory=lambda: [1])
    missing: Literal["exclude", "absent"] = "exclude"
    practice: dict[str, PracticeRule] = Field(default_factory=dict)


class PowerRules(_Rules):
    start: int = 1945
    end: int = 1980
    institutions: bool = True
    plan_kinds: list[str] = Field(default_factory=list)
    both_members: bool = True
    max_span_years: int = Field(1, ge=0)
    label: Literal["acronym", "name"] = "acronym"
    labels: dict[str, str] = Field(default_factory=dict)
    merge_same_year: bool = True


class Rules(_Rules):
    """All the coding rules. ``sources`` says which file each section came from."""

    version: Literal[1] = 1
    period: YearSpan | None = None
    periods: list[Period] = Field(min_length=1)
    scope: Scope = Field(default_factory=Scope)
    dates: Dates = Field(default_factory=Dates)
    secretarial: SecretarialRules
    substantiality: SubstantialityRules
    typology: TypologyRules
    initiative: InitiativeRules = Field(default_factory=InitiativeRules)
    atop: AtopRules
    power: PowerRules = Field(default_factory=PowerRules)
    sources: dict[str, str] = Field(default_factory=dict, exclude=True)

    def years(self, case_period: tuple[int, int]) -> range:
        """The by-year measures' years: ``period`` if set, else the case period."""
        lo, hi = (self.period.start, self.period.end) if self.period else case_period
        return range(lo, hi + 1)

    def excluded(self, item_id: str) -> str | None:
        """The reason an item is out of scope, or None."""
        return self.scope.exclude.get(item_id)

    def left_out(self, item_id: str, notes: list[str]) -> bool:
        """Whether an item is out of scope; if so, says why in ``notes``."""
        reason = self.excluded(item_id)
        if reason:
            notes.append(f"{item_id} left out: {reason}")
        return bool(reason)


# --- loading -------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    tree, problem = read_yaml(path)
    if problem is not None:
        raise RulesError(problem.message, path=path, line=problem.line,
                         hint="check indentation and quoting" if problem.line else None)
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise RulesError("not a mapping of sections", path=path, line=1,
                         hint="start from the default file (allytrace measures --init-rules)")
    return tree


def _locate(loc: Sequence[Any], trees: dict[str, tuple[Path, Any]]) -> tuple[Path, int | None]:
    """The file and line of a field path in the merged rules."""
    section = str(loc[0]) if loc else ""
    path, tree = trees.get(section) or next(iter(trees.values()))
    # pydantic reports dict keys of int-keyed maps as ints; the YAML tree has them as such.
    return path, line_of(tree, list(loc))


def load_rules(
    project_file: str | Path | None = None, *, default: str | Path = DEFAULT_FILE
) -> Rules:
    """The coding rules: the default file, with the project file's sections over it.

    ``project_file`` may be missing (then the defaults are used as they are).
    """
    default = Path(default)
    base = _read(default)
    trees: dict[str, tuple[Path, Any]] = {str(k): (default, base) for k in base}
    merged = dict(base)
    if project_file is not None and Path(project_file).is_file():
        path = Path(project_file)
        own = _read(path)
        for key in own:
            trees[str(key)] = (path, own)
            merged[key] = own[key]
    data = plain_yaml(merged, int_keys=True)
    try:
        rules = Rules.model_validate(data)
    except ValidationError as exc:
        # A misspelt field also makes the real one "missing": report the misspelling.
        errs = exc.errors()
        err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
        loc = [p for p in err["loc"] if p not in ("[key]",)]
        # A validator on a whole model reports the model's own path: fine for locating.
        path, line = _locate(loc, trees)
        message = field_message(err, unknown="not a coding rule", patterns={})
        raise RulesError(message, path=path, line=line, field=format_field(loc)) from None
    _check_typology(rules, trees)
    _check_periods(rules, trees)
    sources = {k: str(p) for k, (p, _) in trees.items()}
    return rules.model_copy(update={"sources": sources})


def _check_typology(rules: Rules, trees: dict[str, tuple[Path, Any]]) -> None:
    for i, rule in enumerate(rules.typology.rules):
        for name in rule.when:
            if name not in INDICATORS:
                loc = ["typology", "rules", i, "when", name]
                path, line = _locate(loc, trees)
                raise RulesError(
                    f"unknown indicator {name!r}",
                    path=path,
                    line=line,
                    field=format_field(loc),
                    hint="one of: " + ", ".join(INDICATORS),
                )
    ids = [r.id for r in rules.typology.rules]
    for i, rid in enumerate(ids):
        if ids.index(rid) != i:
            loc = ["typology", "rules", i, "id"]
            path, line = _locate(loc, trees)
            raise RulesError(f"duplicate rule id {rid!r}", path=path, line=line,
                             field=format_field(loc))


def _check_periods(rules: Rules, trees: dict[str, tuple[Path, Any]]) -> None:
    ordered = sorted(enumerate(rules.periods), key=lambda p: p[1].start)
    for (_, a), (j, b) in zip(ordered, ordered[1:], strict=False):
        if b.start <= a.end:
            loc = ["periods", j]
            path, line = _locate(loc, trees)
            raise RulesError(f"period {b.id!r} overlaps period {a.id!r}", path=path, line=line,
                             field=format_field(loc))


def project_rules_path(root: str | Path) -> Path:
    """Where a project's own rules live: ``<project>/measures.yaml``."""
    return Path(root) / PROJECT_FILE
