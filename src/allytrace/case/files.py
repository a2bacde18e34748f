"""Case folders on disk: read them with line numbers, write them safely.

``cases/NAME/`` holds ``case.yaml`` and one file per kind (``actors.yaml``,
``institutions.yaml``, ``plans.yaml``, ``events.yaml``, ``hypotheses.yaml``,
``evidence.yaml``). They are the analyst's authored data and the source of truth, so:

- reading keeps ruamel's line information, and every problem names file, line and field
  (``cases/japan-us/institutions.yaml:42: institutions[3].established: no such day: ...``);
- writing goes through a temporary file in the same folder, is fsynced and renamed into
  place (``os.replace``), keeps the previous version as ``NAME.yaml.bak`` and the last few
  as timestamped copies in ``.backups/``, and merges into the existing YAML tree so that
  comments and key order survive where ruamel allows.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from ..errors import CaseError
from ..sources.records import Document
from .model import (
    CASE_FILE,
    DOC_KEY_PATTERN,
    KINDS,
    SLUG_PATTERN,
    Assessment,
    Case,
    CaseInfo,
    Evidence,
)
from .problems import Problem
from .spans import check_span

#: How many timestamped backups to keep per file in ``.backups/``.
KEEP_BACKUPS = 5
BACKUP_DIR = ".backups"


# -- YAML -----------------------------------------------------------------------------------


class _Resolver(VersionedResolver):
    """YAML 1.2 resolution without timestamps.

    Dates stay text: the case model parses them as EDTF itself, so an impossible day such as
    1967-02-30 becomes a located validation problem instead of a YAML crash, and saved files
    keep dates unquoted as their authors wrote them.
    """

    def add_version_implicit_resolver(
        self, version: Any, tag: Any, regexp: Any, first: Any
    ) -> None:
        if tag == "tag:yaml.org,2002:timestamp":
            return
        super().add_version_implicit_resolver(version, tag, regexp, first)


def _fast_yaml() -> YAML:
    """A plain loader (libyaml through ruamel.yaml.clib where installed): about five times
    faster than the round-trip one, with the same values but no line numbers."""
    y = YAML(typ="safe")
    y.Resolver = _Resolver
    return y


def _yaml() -> YAML:
    y = YAML()  # round-trip: keeps comments, key order, quoting
    y.Resolver = _Resolver
    y.preserve_quotes = True
    y.width = 4096  # never re-fold authors' long lines (ruamel keeps no plain-scalar breaks)
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    return y


def _plain(node: Any, *, int_keys: bool = False) -> Any:
    """ruamel's commented containers and scalar subclasses -> plain Python values.

    Keys become strings, except integer keys when ``int_keys`` (year-keyed tables).
    """
    if isinstance(node, dict):
        return {(k if int_keys and isinstance(k, int) and not isinstance(k, bool) else str(k)):
                _plain(v, int_keys=int_keys) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, int_keys=int_keys) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def read_yaml(path: Path, *, fast: bool = False) -> tuple[Any, Problem | None]:
    """Parse one file round-trip (or with the plain loader when ``fast``); a syntax error
    becomes one located problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(str(path), None, None, f"not UTF-8 text ({exc.reason})", code="yaml")
    except OSError as exc:
        return None, Problem(
            str(path), None, None, f"cannot read file ({exc.strerror})", code="yaml"
        )
    try:
        return (_fast_yaml() if fast else _yaml()).load(text), None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        return None, Problem(
            str(path),
            line,
            None,
            f"invalid YAML: {what}",
            code="yaml",
            hint="check indentation and quoting (quote dates like '[1967-03..1967-05]')",
        )
    except (YAMLError, ValueError, TypeError) as exc:  # constructors may raise plain errors
        return None, Problem(
            str(path), None, None, f"invalid YAML: {' '.join(str(exc).split())}", code="yaml"
        )


_PARSED: dict[tuple[str, int, int, int, bool], tuple[Any, Problem | None]] = {}
_PARSED_MAX = 64


def _read_parsed(path: Path, fast: bool = False) -> tuple[Any, Problem | None]:
    """``read_yaml`` memoised by the file's identity (inode, size, mtime).

    Round-trip parsing costs seconds for a full case and commands load the case several
    times; the trees returned here are shared and must only be read. Any write replaces the
    file (new inode), so a stale tree is never served. Writers call ``read_yaml`` directly.
    """
    try:
        st = path.stat()
    except OSError:
        return read_yaml(path, fast=fast)
    key = (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, fast)
    hit = _PARSED.get(key)
    if hit is None:
        hit = read_yaml(path, fast=fast)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = hit
    return hit


# -- locating problems ---------------------------------------------------------------------


def format_field(loc: Sequence[Any]) -> str | None:
    """('institutions', 3, 'established') -> 'institutions[3].established'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or None


def line_of(root: Any, loc: Sequence[Any]) -> int | None:
    """1-based line of the deepest node along ``loc`` that exists in the YAML tree."""
    line = root.lc.line + 1 if hasattr(root, "lc") and root.lc.line is not None else None
    cur = root
    for part in loc:
        try:
            if isinstance(cur, CommentedMap) and part in cur:
                line = cur.lc.key(part)[0] + 1
                cur = cur[part]
            elif isinstance(cur, CommentedSeq) and isinstance(part, int) and 0 <= part < len(cur):
                line = cur.lc.item(part)[0] + 1
                cur = cur[part]
            else:
                break
        except (KeyError, TypeError, AttributeError):
            break
    return line


def field_message(
    err: dict[str, Any], *, unknown: str = "not in the case schema", patterns: dict[str, str] | None = None
) -> str:
    """Pydantic's wording -> short messages for people who edit YAML (case files and coding
    rules alike): ``unknown`` says what an unknown field is not part of; ``patterns`` gives
    friendlier words for values that miss a known pattern (default: ids and document ids)."""
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return f"unknown field ({unknown}; check the spelling)"
    if kind in ("value_error", "assertion_error"):
        return msg.split(", ", 1)[1] if ", " in msg else msg
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern")
        wording = (_PATTERN_WORDING if patterns is None else patterns).get(pattern)
        if wording:
            return wording.format(value=value)
    shown = repr(value)
    if isinstance(value, (str, int, float)) and len(shown) <= 60:
        return f"{msg[0].lower()}{msg[1:]} (got {shown})"
    return f"{msg[0].lower()}{msg[1:]}"


_PATTERN_WORDING = {
    SLUG_PATTERN: "not a valid id: {value!r} (use lower-case words joined by hyphens)",
    DOC_KEY_PATTERN: "not a document id: {value!r} (use VOLUME/DOC, e.g. frus1964-68v29p2/d87)",
}


@dataclass
class CaseSource:
    """The raw YAML trees of one case folder, for locating problems by field path."""

    folder: Path
    raw: dict[str, Any] = field(default_factory=dict)  # "case" or kind -> YAML tree (or None)

    def path(self, kind: str) -> Path:
        return self.folder / (CASE_FILE if kind == "case" else KINDS[kind][0])

    def problem(
        self,
        kind: str,
        loc: Sequence[Any],
        message: str,
        *,
        severity: str = "error",
        code: str = "schema",
        hint: str | None = None,
    ) -> Problem:
        root = self.raw.get(kind)
        line = line_of(root, loc) if root is not None else None
        return Problem(
            str(self.path(kind)),
            line,
            format_field(loc),
            message,
            severity=severity,
            code=code,
            hint=hint,
        )  # type: ignore[arg-type]


@dataclass
class ParsedCase:
    """What a lenient read yields: the valid parts, the problems, and the raw trees."""

    case: Case
    problems: list[Problem]
    source: CaseSource
    #: (kind, index in file) of every item that validated, parallel to the case lists.
    positions: dict[str, list[int]] = field(default_factory=dict)
    #: ids of items that failed to load (id -> kind); references to them are not reported
    #: again, so one bad item yields one problem, not a cascade.
    invalid_ids: dict[str, str] = field(default_factory=dict)


def _schema_problems(
    src: CaseSource, kind: str, prefix: tuple[Any, ...], exc: ValidationError
) -> list[Problem]:
    return [src.problem(kind, prefix + tuple(e["loc"]), field_message(e)) for e in exc.errors()]


_ID_LINE = re.compile(r"^[ \t-]*id:[ \t]*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


def _ids_in(item: Any) -> list[str]:
    """Ids declared by a raw item that failed validation (a set declares its hypotheses too)."""
    if not isinstance(item, dict):
        return []
    out = [str(item["id"])] if isinstance(item.get("id"), str) else []
    for h in item.get("hypotheses") or []:
        if isinstance(h, dict) and isinstance(h.get("id"), str):
            out.append(h["id"])
    return out


def parse_case(folder: str | Path, *, fast: bool = False) -> ParsedCase:
    """Read a case folder leniently: every item that validates is kept, every problem listed.

    Used by ``validate_case``; ``load_case`` is the strict form. ``fast`` reads with the
    plain loader: the same case, but problems come without line numbers.
    """
    folder = Path(folder)
    src = CaseSource(folder)
    problems: list[Problem] = []
    case = Case(info=None)
    positions: dict[str, list[int]] = {}
    invalid: dict[str, str] = {}
    if not folder.is_dir():
        raise CaseError(
            f"no case folder at {folder}",
            hint="run `allytrace case init japan-us` or give the right path",
        )

    path = src.path("case")
    if not path.exists():
        problems.append(
            Problem(str(path), None, None, "missing case.yaml (the case header)", code="schema")
        )
    else:
        tree, bad = _read_parsed(path, fast)
        src.raw["case"] = tree
        if bad:
            problems.append(bad)
        elif not isinstance(tree, dict):
            problems.append(
                src.problem(
                    "case", (), "expected a mapping (id, title, members, period, bibliography)"
                )
            )
        else:
            try:
                case.info = CaseInfo.model_validate(_plain(tree))
            except ValidationError as exc:
                problems.extend(_schema_problems(src, "case", (), exc))

    for kind, (_, key, model) in KINDS.items():
        positions[kind] = []
        path = src.path(kind)
        if not path.exists():
            continue  # an absent kind file is an empty list
        tree, bad = _read_parsed(path, fast)
        src.raw[kind] = tree
        if bad:
            problems.append(bad)
            # The file is unreadable; remember the ids it seems to declare (best effort).
            with contextlib.suppress(OSError, UnicodeDecodeError):
                for ident in _ID_LINE.findall(path.read_text(encoding="utf-8")):
                    invalid.setdefault(ident, kind)
            continue
        if tree is None:
            continue
        if not isinstance(tree, dict):
            problems.append(src.problem(kind, (), f"expected a mapping with the key {key!r}"))
            continue
        for extra in [k for k in tree if k != key]:
            problems.append(
                src.problem(kind, (extra,), f"unknown top-level key (this file holds {key!r})")
            )
        seq = tree.get(key)
        if seq is None:
            continue
        if not isinstance(seq, list):
            problems.append(src.problem(kind, (key,), "expected a list"))
            continue
        for i, item in enumerate(seq):
            try:
                obj = model.model_validate(_plain(item))
            except ValidationError as exc:
                problems.extend(_schema_problems(src, kind, (key, i), exc))
                for ident in _ids_in(item):
                    invalid.setdefault(ident, kind)
                continue
            case.items(kind).append(obj)
            positions[kind].append(i)
    return ParsedCase(case, problems, src, positions, invalid)


def load_case(folder: str | Path) -> Case:
    """Load a case folder strictly: the first schema or YAML error raises ``CaseError``.

    Only the files' shape is checked here; references, dates and quotes are checked by
    ``validate_case``.

    >>> case = load_case("cases/japan-us")                      # doctest: +SKIP
    >>> case.get("security-subcommittee").name.ja               # doctest: +SKIP
    '日米安全保障高級事務レベル協議'
    """
    # The plain loader first; only a case with an error is read again, round-trip, so that
    # the error names its line.
    parsed = parse_case(folder, fast=True)
    if parsed.case.info is None or any(p.severity == "error" for p in parsed.problems):
        parsed = parse_case(folder)
    for p in parsed.problems:
        if p.severity == "error":
            raise p.to_error()
    if parsed.case.info is None:
        raise CaseError("missing case.yaml (the case header)", path=Path(folder) / CASE_FILE)
    return parsed.case


# -- safe writing ----------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_atomic(src: Path, dst: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def backup(path: Path, *, keep: int = KEEP_BACKUPS) -> Path:
    """Copy ``path`` to ``path.bak`` and to ``.backups/STEM.TIMESTAMP.SUFFIX``; prune old ones."""
    _copy_atomic(path, path.with_name(path.name + ".bak"))
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while target.exists():  # two saves in the same microsecond
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
        n += 1
    _copy_atomic(path, target)
    olds = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for old in olds[: max(0, len(olds) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def atomic_write_text(path: str | Path, text: str, *, keep: int = KEEP_BACKUPS) -> Path | None:
    """Write ``text`` to ``path`` atomically; back up the previous version first.

    Returns the timestamped backup of the previous version, or None for a new file. An
    interrupted write leaves either the old file or the new one, never half of either.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        saved = backup(path, keep=keep) if path.exists() else None
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return saved
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialise read-modify-write cycles on one case folder (advisory, POSIX only).

    The lock is taken on the folder itself, so no lock file is left among the case files.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _norm(value: Any) -> Any:
    # YAML may give 1964 (int) or a date object where the model writes strings.
    return value.isoformat() if isinstance(value, date) else _plain(value)


def _same(old: Any, new: Any) -> bool:
    a = _norm(old)
    if a == new:
        return True
    return isinstance(new, str) and isinstance(a, (int, str)) and str(a) == new


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _commented(v)
        return m
    if isinstance(value, list):
        s = CommentedSeq()
        s.extend(_commented(v) for v in value)
        return s
    return value


def _merge_map(node: CommentedMap, full: dict[str, Any], slim: dict[str, Any]) -> None:
    """Update ``node`` in place to hold ``full``, adding only non-default new keys (``slim``)."""
    for k in [k for k in node if k not in full]:
        del node[k]
    for k, v in full.items():
        if k in node:
            cur = node[k]
            if isinstance(cur, CommentedMap) and isinstance(v, dict):
                _merge_map(cur, v, slim.get(k, {}) if isinstance(slim.get(k), dict) else {})
            elif isinstance(cur, CommentedSeq) and isinstance(v, list):
                _merge_seq(cur, v, slim.get(k, v) if isinstance(slim.get(k), list) else v)
            elif not _same(cur, v):
                node[k] = _commented(v)
        elif k in slim:
            node[k] = _commented(slim[k])


def _merge_seq(node: CommentedSeq, full: list[Any], slim: list[Any]) -> None:
    if len(node) == len(full):
        for i, (cur, v) in enumerate(zip(node, full, strict=True)):
            if isinstance(cur, CommentedMap) and isinstance(v, dict):
                _merge_map(cur, v, slim[i] if i < len(slim) and isinstance(slim[i], dict) else v)
            elif not _same(cur, v):
                node[i] = _commented(v)
        return
    del node[:]
    node.extend(_commented(v) for v in slim)


def _merge_items(seq: CommentedSeq, full: list[dict[str, Any]], slim: list[dict[str, Any]]) -> None:
    """Merge items matched by id; keep the YAML nodes (and their comments) of kept items."""
    old_ids = [item.get("id") if isinstance(item, dict) else None for item in seq]
    new_ids = [d.get("id") for d in full]
    if old_ids == new_ids[: len(old_ids)]:
        for i in range(len(old_ids)):
            _merge_map(seq[i], full[i], slim[i])
        for j in range(len(old_ids), len(new_ids)):
            seq.append(_commented(slim[j]))
        return
    by_id = {item.get("id"): item for item in seq if isinstance(item, CommentedMap)}
    nodes = []
    for f, s in zip(full, slim, strict=True):
        node = by_id.get(f.get("id"))
        if node is not None:
            _merge_map(node, f, s)
            nodes.append(node)
        else:
            nodes.append(_commented(s))
    del seq[:]
    seq.extend(nodes)


def _dump(tree: Any) -> str:
    out = io.StringIO()
    _yaml().dump(tree, out)
    return out.getvalue()


def _models(kind: str, items: Iterable[BaseModel | dict[str, Any]]) -> list[BaseModel]:
    model = KINDS[kind][2]
    out: list[BaseModel] = []
    for i, item in enumerate(items):
        if isinstance(item, model):
            out.append(item)
            continue
        data = item.model_dump(mode="json", by_alias=True) if isinstance(item, BaseModel) else item
        try:
            out.append(model.model_validate(data))
        except ValidationError as exc:
            e = exc.errors()[0]
            raise CaseError(
                field_message(e), field=format_field((KINDS[kind][1], i, *e["loc"]))
            ) from None
    ids = [m.id for m in out]  # type: ignore[attr-defined]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CaseError(f"duplicate id(s) in {kind}: {', '.join(dup)}")
    return out


def save_kind(folder: str | Path, kind: str, items: Iterable[BaseModel | dict[str, Any]]) -> Path:
    """Replace the items of one kind file, atomically, keeping comments where possible.

    ``items`` are models or plain dicts in the order they should appear. Items whose id
    already exists keep their YAML node (comments, key order, quoting); new ones are added
    with default-valued fields left out.
    """
    if kind not in KINDS:
        raise CaseError(f"unknown case file kind {kind!r}", hint=f"one of: {', '.join(KINDS)}")
    folder = Path(folder)
    filename, key, _ = KINDS[kind]
    models = _models(kind, items)
    path = folder / filename
    with _locked(folder):
        tree: Any = None
        if path.exists():
            tree, bad = read_yaml(path)
            if bad:
                raise bad.to_error()
        if not isinstance(tree, CommentedMap):
            tree = CommentedMap()
        seq = tree.get(key)
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
            tree[key] = seq
        full = [m.model_dump(mode="json", by_alias=True) for m in models]
        slim = [m.model_dump(mode="json", by_alias=True, exclude_defaults=True) for m in models]
        _merge_items(seq, full, slim)
        text = _dump(tree)
        # Never write what we could not read back: re-parse and compare before replacing.
        check = _plain(_yaml().load(text)) or {}
        again = _models(kind, check.get(key) or [])
        if [m.model_dump() for m in again] != [m.model_dump() for m in models]:
            raise CaseError(
                f"refusing to write {path}: the YAML would not round-trip",
                hint="this is a bug in allytrace; the file is unchanged",
            )
        atomic_write_text(path, text)
    return path


def _load_kind(folder: Path, kind: str) -> list[Any]:
    parsed = parse_case(folder)
    bad = [
        p for p in parsed.problems if p.severity == "error" and Path(p.path).name == KINDS[kind][0]
    ]
    if bad:
        raise bad[0].to_error()
    return list(parsed.case.items(kind))


def save_evidence(folder: str | Path, evidence: Iterable[Evidence | dict[str, Any]]) -> Path:
    """Replace ``evidence.yaml`` with these items (atomic, with backup)."""
    return save_kind(folder, "evidence", evidence)


def _check_target(folder: Path, ev: Evidence) -> None:
    sets = {s.id: s for s in _load_kind(folder, "hypotheses")}
    target = sets.get(ev.target)
    if target is None:
        return  # an entity target; validate_case checks entity references
    ids = {h.id for h in target.hypotheses}
    named = ([ev.hypothesis] if ev.hypothesis else []) + list(ev.assessments)
    for hid in named:
        if hid not in ids:
            raise CaseError(
                f"hypothesis {hid!r} is not in set {ev.target!r}",
                field="evidence.hypothesis",
                hint=f"one of: {', '.join(sorted(ids))}",
            )


def add_evidence(
    folder: str | Path,
    evidence: Evidence | dict[str, Any],
    *,
    lookup: Callable[[str], Document | None] | None = None,
) -> Evidence:
    """Append one evidence item; refuse a duplicate id; check the quote when ``lookup`` is given.

    ``lookup(doc_key) -> Document | None`` is the project's document lookup.
    """
    folder = Path(folder)
    ev = evidence if isinstance(evidence, Evidence) else Evidence.model_validate(evidence)
    items = _load_kind(folder, "evidence")
    if any(e.id == ev.id for e in items):
        raise CaseError(
            f"evidence {ev.id!r} already exists", hint="choose another id or edit the item"
        )
    _check_target(folder, ev)
    if lookup is not None:
        doc: Document | None = lookup(ev.document)
        if doc is None:
            raise CaseError(f"no such document in the project: {ev.document!r}")
        res = check_span(doc, ev.paragraph, ev.footnote, ev.start, ev.end, ev.quote)
        if not res.ok:
            raise CaseError(res.message, hint=res.hint)
    save_kind(folder, "evidence", [*items, ev])
    return ev


_UNSET: Any = object()


def update_assessment(
    folder: str | Path,
    evidence_id: str,
    hypothesis_id: str,
    *,
    likelihood: float | None = _UNSET,
    test: str | None = _UNSET,
    rationale: str | None = _UNSET,
    passed: bool = _UNSET,
    low: float | None = _UNSET,
    high: float | None = _UNSET,
) -> Evidence:
    """Set (or clear, with None) parts of one evidence item's assessment for one hypothesis."""
    folder = Path(folder)
    items = _load_kind(folder, "evidence")
    for i, ev in enumerate(items):
        if ev.id != evidence_id:
            continue
        current = ev.assessments.get(hypothesis_id, Assessment())
        changes = {
            k: v
            for k, v in (("likelihood", likelihood), ("test", test), ("rationale", rationale),
                         ("passed", passed), ("low", low), ("high", high))
            if v is not _UNSET
        }
        try:
            new = Assessment.model_validate({**current.model_dump(), **changes})
        except ValidationError as exc:
            e = exc.errors()[0]
            raise CaseError(
                field_message(e), field=f"assessments.{hypothesis_id}.{format_field(e['loc'])}"
            ) from None
        updated = ev.model_copy(update={"assessments": {**ev.assessments, hypothesis_id: new}})
        updated = Evidence.model_validate(updated.model_dump())
        _check_target(folder, updated)
        items[i] = updated
        save_kind(folder, "evidence", items)
        return updated
    raise CaseError(f"no evidence with id {evidence_id!r}", path=folder / KINDS["evidence"][0])
