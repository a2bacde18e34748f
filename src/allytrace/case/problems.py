"""One problem found in a case folder: where it is, what is wrong, how bad.

Kept apart from ``validate.py`` because reading files (``files.py``) already produces
problems (bad YAML, schema errors) before any cross-checking starts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from ..errors import CaseError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """A located problem. ``str(problem)`` is the one-line form the CLI prints.

    >>> str(Problem("cases/x/institutions.yaml", 42, "institutions[3].established",
    ...             "no such day: '1967-02-30'"))
    "cases/x/institutions.yaml:42: institutions[3].established: no such day: '1967-02-30'"
    """

    path: str
    line: int | None
    field: str | None
    message: str
    severity: Severity = "error"
    code: str = "schema"  # yaml, schema, date, reference, document, quote, evidence, prior
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        at = f" {self.field}:" if self.field else ""
        text = f"{where}:{at} {self.message}"
        if self.severity == "warning":
            text = f"{where}:{at} warning: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_error(self) -> CaseError:
        return CaseError(
            self.message, path=self.path, line=self.line, field=self.field, hint=self.hint
        )


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
