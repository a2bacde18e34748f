"""The bilingual alias gazetteer: how each case entity may be written in the sources.

Names and aliases match case-insensitively at word boundaries, and loosely in the two ways
the sources are loose: a space may be written as a hyphen or a line break ("security
sub-committee"), and a hyphen may be dropped or spaced ("subcommittee"). Japanese names
match as exact substrings (Japanese has no spaces to bound words with).

Acronyms are risky ("SCC" names several bodies across the decades), so an acronym matches
only in its exact case, only in documents dated inside its window, and only when one of
its context words stands near it.

Speed: linking runs over every paragraph of every ingested document, so a text is first
screened with an Aho–Corasick automaton (``ahocorasick_rs``, one pass in Rust) for one
literal piece of each alias (its longest word); only the aliases whose piece occurs are then
matched with their own small regex. One alternation of all aliases in Python's ``re`` tried
every alias at every word start and ran about ten times slower.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick_rs

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
    # Compiled by _compile(); rebuilt after unpickling (the gazetteer travels to the ingest
    # reader process, and automata do not pickle).
    _pieces: list[tuple[str, ...]] = field(default_factory=list, repr=False)  # piece → folded keys
    _piece_ac: ahocorasick_rs.AhoCorasick | None = field(default=None, repr=False)
    _key_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, repr=False)
    _raw: list[str] = field(default_factory=list, repr=False)  # acronyms and Japanese names
    _raw_acronyms: set[str] = field(default_factory=set, repr=False)
    _raw_ac: ahocorasick_rs.AhoCorasick | None = field(default=None, repr=False)
    _context: dict[tuple[str, ...], re.Pattern[str]] = field(default_factory=dict, repr=False)

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
        # Each alias is screened by its longest word (any match of the alias contains it);
        # then each alias whose word occurs is matched on its own against the lower-cased
        # text, case-sensitively, where ``re`` skips ahead to its literal start (one regex
        # of many aliases would try each at every position). Word boundaries are checked
        # by the caller.
        by_key: dict[str, list[str]] = {}
        for form in self.forms:
            by_key.setdefault(fold(form), []).append(form)
        pieces: dict[str, set[str]] = {}
        self._key_patterns = {}
        for key, forms in by_key.items():
            lowered = sorted({f.lower() for f in forms}, key=len, reverse=True)
            self._key_patterns[key] = re.compile("|".join(_loose(f) for f in lowered))
            for f in lowered:
                pieces.setdefault(max(_PIECE_SPLIT.split(f), key=len), set()).add(key)
        self._pieces = [tuple(sorted(keys)) for _, keys in sorted(pieces.items())]
        self._piece_ac = ahocorasick_rs.AhoCorasick(sorted(pieces)) if pieces else None
        self._context = {}
        # Acronyms and Japanese names are exact strings: one automaton finds both.
        self._raw_acronyms = {r.text for r in self.acronyms}
        self._raw = sorted(self._raw_acronyms | set(self.ja))
        self._raw_ac = ahocorasick_rs.AhoCorasick(self._raw) if self._raw else None

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    def alias_matches(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, folded key) of each English alias in ``text``, at word boundaries.

        Each alias's matches do not overlap one another; different aliases' may (the
        caller keeps the longest).
        """
        if self._piece_ac is None:
            return
        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two; keep offsets exact
            low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        pieces = {p for p, _, _ in self._piece_ac.find_matches_as_indexes(low, overlapping=True)}
        keys = {key for p in pieces for key in self._pieces[p]}
        for key in keys:
            pattern = self._key_patterns[key]
            pos = 0
            while (m := pattern.search(low, pos)) is not None:
                s, e = m.span()
                if (s and _is_word(low[s - 1])) or (e < len(low) and _is_word(low[e])):
                    pos = s + 1  # inside a word: look again from the next character
                    continue
                yield s, e, key
                pos = e

    def context_pattern(self, rule: AcronymRule) -> re.Pattern[str]:
        """Any of an acronym's context words, starting a word, in any case."""
        pattern = self._context.get(rule.context)
        if pattern is None:
            body = "|".join(re.escape(c) for c in rule.context)
            pattern = self._context[rule.context] = re.compile(rf"(?<!\w)(?:{body})", re.IGNORECASE)
        return pattern

    def raw_matches(self, text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """(start, end, text) of the acronyms and of the Japanese names in ``text``.

        Acronyms match in their exact case and not inside a word or a hyphenated compound;
        Japanese names anywhere. Where candidates overlap, the earliest wins, then the longest.
        """
        if self._raw_ac is None:
            return [], []
        hits = sorted(
            ((s, e, self._raw[i]) for i, s, e in self._raw_ac.find_matches_as_indexes(text, overlapping=True)),
            key=lambda h: (h[0], h[0] - h[1]),
        )
        acronyms: list[tuple[int, int, str]] = []
        japanese: list[tuple[int, int, str]] = []
        for found, bounded, wanted in ((acronyms, True, self._raw_acronyms), (japanese, False, self.ja)):
            taken_until = -1
            for s, e, name in hits:
                if name not in wanted or s < taken_until:
                    continue
                if bounded and ((s and _in_word(text[s - 1])) or (e < len(text) and _in_word(text[e]))):
                    continue
                found.append((s, e, name))
                taken_until = e
        return acronyms, japanese

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


_PIECE_SPLIT = re.compile(r"[\s\-–—.]+")


def _is_word(ch: str) -> bool:
    """Whether ``ch`` is a word character in the sense of ``re``'s ``\\w``."""
    return ch.isalnum() or ch == "_"


def _in_word(ch: str) -> bool:
    """Whether ``ch`` joins an acronym to a word: a word character or a hyphen."""
    return ch.isalnum() or ch in "_-"


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
