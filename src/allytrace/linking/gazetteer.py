"""The bilingual alias gazetteer: how each case entity may be written in the sources.

Names and aliases match case-insensitively at word boundaries, and loosely in the two ways
the sources are loose: a space may be written as a hyphen or a line break ("security
sub-committee"), and a hyphen may be dropped or spaced ("subcommittee"). Japanese names
match as exact substrings (Japanese has no spaces to bound words with).

Acronyms are risky ("SCC" names several bodies across the decades), so an acronym matches
only in its exact case, only in documents dated inside its window, and only when one of
its context words stands near it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..dates import FuzzyDate

CONTEXT_CHARS = 300  # how far around an acronym its context words are looked for


@dataclass(frozen=True)
class AcronymRule:
    entity: str
    text: str
    context: tuple[str, ...] = ()
    window: FuzzyDate | None = None


@dataclass
class Gazetteer:
    """Compiled patterns for one case's entities."""

    names: dict[str, set[str]] = field(default_factory=dict)  # folded alias → entity ids
    kinds: dict[str, str] = field(default_factory=dict)  # entity id → kind
    labels: dict[str, str] = field(default_factory=dict)  # entity id → English name
    acronyms: list[AcronymRule] = field(default_factory=list)
    ja: dict[str, set[str]] = field(default_factory=dict)  # Japanese alias → entity ids
    forms: set[str] = field(default_factory=set)  # the English aliases as written
    _pattern: re.Pattern[str] | None = None
    _acro_pattern: re.Pattern[str] | None = None
    _ja_pattern: re.Pattern[str] | None = None

    @classmethod
    def from_entities(cls, entities: Iterable[object]) -> "Gazetteer":
        """Build from case entities (anything with ``id``, ``name``, ``aliases``, ``acronyms``)."""
        g = cls()
        for ent in entities:
            eid = getattr(ent, "id")
            name = getattr(ent, "name", None)
            aliases = getattr(ent, "aliases", None)
            g.kinds[eid] = type(ent).__name__.lower()
            en = [name.en] if name is not None and getattr(name, "en", None) else []
            en += list(getattr(aliases, "en", []) or [])
            ja = [name.ja] if name is not None and getattr(name, "ja", None) else []
            ja += list(getattr(aliases, "ja", []) or [])
            g.labels[eid] = en[0] if en else eid
            for alias in en:
                if len(fold(alias)) >= 3:  # two letters would match everywhere
                    g.names.setdefault(fold(alias), set()).add(eid)
                    g.forms.add(alias.strip())
            for alias in ja:
                g.ja.setdefault(alias, set()).add(eid)
            for acr in getattr(ent, "acronyms", []) or []:
                g.acronyms.append(
                    AcronymRule(eid, acr.text, tuple(c.lower() for c in acr.context), acr.window)
                )
        g._compile()
        return g

    def _compile(self) -> None:
        alts = sorted(self.forms, key=len, reverse=True)
        if alts:
            body = "|".join(_loose(a) for a in alts)
            self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        acros = sorted({r.text for r in self.acronyms}, key=len, reverse=True)
        if acros:
            self._acro_pattern = re.compile(
                r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in acros) + r")(?![\w-])"
            )
        if self.ja:
            self._ja_pattern = re.compile("|".join(re.escape(a) for a in sorted(self.ja, key=len, reverse=True)))

    def digest(self) -> str:
        """A hash of everything that decides what matches, to know when to re-link."""
        data = {
            "names": {k: sorted(v) for k, v in sorted(self.names.items())},
            "ja": {k: sorted(v) for k, v in sorted(self.ja.items())},
            "acronyms": [
                [r.entity, r.text, list(r.context), str(r.window) if r.window else None]
                for r in self.acronyms
            ],
            "context_chars": CONTEXT_CHARS,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def fold(text: str) -> str:
    """The key under which an alias is looked up: lower case, no spaces, hyphens or accents."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-–—.]+", "", text.lower())


def _loose(alias: str) -> str:
    """Regex for an alias: spaces match any run of spaces/hyphens; hyphens and periods may go."""
    out = []
    for ch in alias.strip():
        if ch.isspace():
            out.append(r"[\s\-–]+")
        elif ch in "-–":
            out.append(r"[\s\-–]?")
        elif ch == ".":
            out.append(r"\.?")
        else:
            out.append(re.escape(ch))
    # collapse runs like "[\s\-–]+[\s\-–]+" produced by "x - y"
    return "".join(out)
