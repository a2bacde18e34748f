"""The exception hierarchy.

Every error a user can cause by bad input is an ``AllytraceError``: the CLI prints its
message as one line and exits non-zero; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class AllytraceError(Exception):
    """Base class: a problem the user can fix. ``str(err)`` is the one-line message."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class SourceError(AllytraceError):
    """A source file cannot be read: malformed, hostile, empty, wrong encoding, not FRUS."""

    def __init__(
        self, path: object, message: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}", hint=hint)


class ProjectError(AllytraceError):
    """The project folder or its database is missing, locked or from a newer version."""


class QueryError(AllytraceError):
    """A search query the full-text engine cannot parse."""


class NotFoundError(AllytraceError):
    """A document, volume or entity id that the project does not hold."""


class NetworkError(AllytraceError):
    """A download failed (no network, server error, corrupt payload)."""


class LocatedError(AllytraceError):
    """An error in an authored file, located as ``path:line: field: message``."""

    def __init__(
        self,
        message: str,
        *,
        path: object | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        where = ""
        if self.path:
            where = f"{self.path}:{line}: " if line else f"{self.path}: "
        at = f"{field}: " if field else ""
        super().__init__(f"{where}{at}{message}", hint=hint)


class CaseError(LocatedError):
    """A case file is invalid: wrong schema, bad date, unresolved reference, wrong quote."""
