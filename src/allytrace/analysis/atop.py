"""The ATOP alliance data (version 4): an institutionalization index, asymmetry, percentiles.

ATOP codes the *text* of every formal alliance, 1815–2003. This module loads the two ATOP v4
tables distributed with the "treaty-depth" replication archive and answers the questions the
Japan–U.S. case asks of them: how institutionalized was each alliance on paper, how
asymmetric, and where do the 1951 and 1960 Japan–U.S. treaties stand among all alliances,
among the alliances of their own time and among other U.S. alliances.

The military-institutionalization index (``MII``) used here is a count of six indicators,
each 0 or 1, so it runs from 0 to 6::

    milcon  >= 1     any provision for military contact
    milaid  >= 1     any military aid
    base    >= 1     any basing or troop-placement rights
    intcom  == 1     an integrated military command
    organ1  >= 1     any organisational provision
    compag  in {1}   a companion *military* agreement (compag 1; other codes are other kinds)

It is the ``milcor.index`` of Alley's replication code (``data/alliance-measures.R``), whose
reading of ``compag == 1`` as "military" we follow; see ``docs/atop.md`` for what that does to
the 1951 treaty (coded ``compag = 4``). An alliance with any of the six columns missing has
no index (``NaN``) and is left out of every percentile, rather than counted as 0.

>>> atop = load_atop("../shared/data/atop")                        # doctest: +SKIP
>>> japan_us_comparison(atop)[["atopid", "index", "pct_all"]]      # doctest: +SKIP
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import SourceError

ALLIANCE_FILE = "atop-alliance-level.csv"
MEMBER_FILE = "atop-member-level.csv"
CODES_FILE = Path(__file__).with_name("data") / "atop_codes.csv"

US = 2  # COW country code of the United States
JAPAN_US = (3220, 3375)  # 1951 Security Treaty; 1960 Treaty of Mutual Cooperation and Security
MEMBER_COLUMNS = [f"mem{i}" for i in range(1, 60)]

# The project's names for alliances that ATOP identifies only by number. Each was matched on
# its members and its ATOP start date; they are labels, not ATOP data.
US_ALLIANCE_LABELS: dict[int, str] = {
    3075: "Rio Treaty (1947)",
    3150: "Charter of the OAS (1948)",
    3180: "NATO (1949)",
    3210: "U.S.–Philippines Mutual Defense Treaty (1951)",
    3215: "ANZUS (1951)",
    3220: "Japan–U.S. Security Treaty (1951)",
    3240: "U.S.–Republic of Korea Mutual Defense Treaty (1953)",
    3260: "SEATO / Manila Pact (1954)",
    3270: "U.S.–Republic of China Mutual Defense Treaty (1954)",
    3375: "Japan–U.S. Treaty of Mutual Cooperation and Security (1960)",
}
# The comparison set the case asks for: Korea, ROC, Philippines, ANZUS, NATO and Japan.
US_PEERS = (3180, 3210, 3215, 3220, 3240, 3270, 3375)

INDEX_COMPONENTS: dict[str, str] = {
    "milcon": "milcon >= 1",
    "milaid": "milaid >= 1",
    "base": "base >= 1",
    "intcom": "intcom == 1",
    "organ1": "organ1 >= 1",
    "compag": "compag in {compag_military}",
}

# Obligation and provision columns compared across members to find member-level asymmetry.
# Dates, phases and identifiers are left out: they differ between members for other reasons.
# fmt: off
OBLIGATION_COLUMNS = [
    "defense", "offense", "neutral", "nonagg", "consul", "active", "conditio", "defcon",
    "offcon", "neucon", "concon", "olimob", "notaiden", "dipaid", "terrres", "seppeace",
    "thirdcom", "noothall", "specthrt", "conwtin", "medarb", "milcon", "milaid", "intcom",
    "subord", "organ1", "base", "contrib", "armred", "acqterr", "divgains", "demwith",
    "compag", "nomicoop", "conres", "agprois", "conmen", "ecaid", "interv",
]
# fmt: on

# The design variables shown beside the case's practice coding (README's list and the
# organisation, companion-agreement and intervention codes that matter for 1951/1960).
# fmt: off
DESIGN_VARIABLES = [
    "defense", "offense", "neutral", "nonagg", "consul", "asymm", "conditio", "bilat",
    "intcom", "milcon", "milaid", "base", "organ1", "orgpurp1", "contrib", "subord",
    "specthrt", "terrres", "thirdcom", "nomicoop", "compag", "agprois", "interv",
]
# fmt: on

_ALLIANCE_REQUIRED = ["atopid", "begyr", "endyr", "asymm", *INDEX_COMPONENTS, *MEMBER_COLUMNS]
_MEMBER_REQUIRED = ["atopid", "member", "phase", *OBLIGATION_COLUMNS]


@dataclass(frozen=True)
class AtopData:
    """The two ATOP v4 tables as read: ``alliances`` (one row per ``atopid``) and
    ``members`` (one row per member and phase)."""

    alliances: pd.DataFrame
    members: pd.DataFrame
    folder: Path


# --- loading -----------------------------------------------------------------------------


def _read_table(path: Path, required: Iterable[str]) -> pd.DataFrame:
    if not path.is_file():
        raise SourceError(
            path, "ATOP file not found", hint="pass the folder holding the ATOP v4 CSVs"
        )
    try:
        frame = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise SourceError(path, "empty file, not an ATOP table") from None
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise SourceError(
            path, "malformed CSV (wrong number of fields)", line=int(m.group(1)) if m else None
        ) from None
    except UnicodeDecodeError:
        raise SourceError(path, "not UTF-8 text, not an ATOP table") from None
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise SourceError(path, f"not an ATOP v4 table: missing column(s) {shown}")
    # Every cell must be a number or empty; text in a numeric column is damage, not data.
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            numeric = pd.to_numeric(frame[column], errors="coerce")
            bad = frame[column].notna() & numeric.isna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise SourceError(
                    path,
                    f"column {column!r} holds {frame[column].iloc[row]!r}, not a number",
                    line=row + 2,  # 1-based, after the header line
                )
            frame[column] = numeric
    return frame


def load_atop(folder: str | Path) -> AtopData:
    """Read ``atop-alliance-level.csv`` and ``atop-member-level.csv`` from ``folder``.

    Raises ``SourceError`` (one line: file, line where known, what is wrong) for a missing
    file, a malformed or non-numeric CSV, missing columns or duplicate ``atopid`` rows.

    >>> atop = load_atop("../shared/data/atop")       # doctest: +SKIP
    >>> len(atop.alliances), atop.alliances.atopid.is_unique   # doctest: +SKIP
    (745, True)
    """
    folder = Path(folder)
    alliances = _read_table(folder / ALLIANCE_FILE, _ALLIANCE_REQUIRED)
    members = _read_table(folder / MEMBER_FILE, _MEMBER_REQUIRED)
    dup = alliances["atopid"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise SourceError(
            folder / ALLIANCE_FILE,
            f"atopid {int(alliances['atopid'].iloc[row])} appears twice",
            line=row + 2,
        )
    alliances["atopid"] = alliances["atopid"].astype(int)
    members["atopid"] = members["atopid"].astype(int)
    return AtopData(alliances, members, folder)


# --- the index ---------------------------------------------------------------------------


def institutionalization_index(
    alliances: pd.DataFrame,
    *,
    compag_military: Collection[int] = (1,),
    missing: Literal["exclude", "absent"] = "exclude",
) -> pd.DataFrame:
    """The military-institutionalization index (0–6) of every alliance, with its parts.

    Returns one row per alliance: ``atopid``, ``begyr``, ``endyr``, one 0/1 column per
    component (``milcon`` … ``compag``, ``NaN`` where ATOP has no value), ``index_known``
    (the sum of the known components), ``n_missing`` and ``index``. With ``missing="exclude"``
    (the default) ``index`` is ``NaN`` when any component is missing; ``"absent"`` counts a
    missing provision as absent, as Alley's ``na.rm = TRUE`` does. ``compag_military`` names
    the ``compag`` codes read as a companion *military* agreement.

    >>> frame = pd.DataFrame({"atopid": [1], "begyr": [1951], "endyr": [1960], "milcon": [0],
    ...     "milaid": [0], "base": [3], "intcom": [0], "organ1": [2], "compag": [4]})
    >>> institutionalization_index(frame)["index"].tolist()
    [2.0]
    >>> institutionalization_index(frame, compag_military=(1, 4))["index"].tolist()
    [3.0]
    """
    codes = set(int(c) for c in compag_military)
    tests = {
        "milcon": alliances["milcon"] >= 1,
        "milaid": alliances["milaid"] >= 1,
        "base": alliances["base"] >= 1,
        "intcom": alliances["intcom"] == 1,
        "organ1": alliances["organ1"] >= 1,
        "compag": alliances["compag"].isin(codes),
    }
    out = alliances[["atopid", "begyr", "endyr"]].copy()
    for name, hit in tests.items():
        # Comparisons make NaN False; put the NaN back so a missing code stays visibly missing.
        out[name] = hit.astype(float).where(alliances[name].notna())
    parts = out[list(tests)]
    out["n_missing"] = parts.isna().sum(axis=1)
    out["index_known"] = parts.sum(axis=1, min_count=0)
    out["index"] = (
        out["index_known"]
        if missing == "absent"
        else out["index_known"].where(out["n_missing"] == 0)
    )
    return out.reset_index(drop=True)


def index_definition(compag_military: Collection[int] = (1,)) -> list[tuple[str, str]]:
    """The index's components as ``(column, rule)`` pairs, for showing beside any result.

    >>> index_definition()[-1]
    ('compag', 'compag in {1}')
    """
    codes = "{" + ", ".join(str(c) for c in sorted(compag_military)) + "}"
    return [(k, v.format(compag_military=codes)) for k, v in INDEX_COMPONENTS.items()]


# --- percentiles -------------------------------------------------------------------------


def active_between(alliances: pd.DataFrame, start: int, end: int) -> pd.Series:
    """True for alliances in force at some time in the years ``start``–``end`` (inclusive).

    ATOP writes ``endyr = 0`` for an alliance still in force when the data end (2003).

    >>> frame = pd.DataFrame({"begyr": [1949, 1961, 1900], "endyr": [0, 1965, 1950]})
    >>> active_between(frame, 1951, 1960).tolist()
    [True, False, False]
    """
    begun = alliances["begyr"] <= end
    not_ended = (alliances["endyr"] == 0) | (alliances["endyr"] >= start)
    return begun & not_ended


def percentile_of(value: float, reference: pd.Series) -> dict[str, float]:
    """Where ``value`` stands in ``reference`` (missing values dropped), in per cent.

    ``below`` is the share strictly lower, ``at_or_below`` the share lower or equal, and
    ``percentile`` their mean (the "mid-rank" percentile). With a 0–6 index many alliances
    tie, so the three differ a lot and all three are reported.

    >>> percentile_of(2, pd.Series([0, 1, 2, 2, 3]))
    {'n': 5, 'below': 40.0, 'at_or_below': 80.0, 'percentile': 60.0}
    """
    ref = reference.dropna()
    n = len(ref)
    if n == 0 or pd.isna(value):
        return {
            "n": n,
            "below": float("nan"),
            "at_or_below": float("nan"),
            "percentile": float("nan"),
        }
    below = 100.0 * float((ref < value).sum()) / n
    at_or_below = 100.0 * float((ref <= value).sum()) / n
    return {
        "n": n,
        "below": below,
        "at_or_below": at_or_below,
        "percentile": (below + at_or_below) / 2,
    }


def index_percentiles(index: pd.DataFrame, period: tuple[int, int] | None = None) -> pd.DataFrame:
    """Each alliance's index percentile among all alliances, or among those active in ``period``.

    Returns ``atopid``, ``index``, ``n``, ``below``, ``at_or_below``, ``percentile``; with a
    period, only the alliances active in it are rows and reference.
    """
    frame = index if period is None else index[active_between(index, *period)]
    ref = frame["index"]
    rows = [
        {"atopid": a, "index": v, **percentile_of(v, ref)}
        for a, v in zip(frame["atopid"], ref, strict=True)
    ]
    return pd.DataFrame(
        rows, columns=["atopid", "index", "n", "below", "at_or_below", "percentile"]
    )


# --- asymmetry ---------------------------------------------------------------------------


def asymmetry_profile(atop: AtopData) -> pd.DataFrame:
    """For every alliance: ATOP's ``asymm`` and the obligations that differ between members.

    ``differing`` lists (comma-separated) the obligation/provision columns that take more than
    one value among the members of some phase in the member-level file; ``agrees`` says
    whether "some obligation differs" matches ``asymm``.

    >>> profile = asymmetry_profile(atop)                              # doctest: +SKIP
    >>> profile.set_index("atopid").loc[3375, "differing"]             # doctest: +SKIP
    'defense, terrres'
    """
    cols = [c for c in OBLIGATION_COLUMNS if c in atop.members.columns]
    varies = (
        atop.members.groupby(["atopid", "phase"])[cols]
        .nunique(dropna=False)
        .gt(1)
        .groupby(level="atopid")
        .any()
    )
    differing = varies.apply(lambda row: ", ".join(c for c in cols if row[c]), axis=1)
    sizes = atop.members.groupby("atopid").agg(
        n_members=("member", "nunique"), n_phases=("phase", "nunique")
    )
    out = atop.alliances[["atopid", "asymm"]].merge(sizes, on="atopid", how="left")
    out["differing"] = out["atopid"].map(differing).fillna("")
    out["n_differing"] = out["differing"].map(lambda s: len(s.split(", ")) if s else 0)
    out["agrees"] = (out["n_differing"] > 0) == (out["asymm"] == 1)
    return out


def member_obligations(
    atop: AtopData, atopid: int, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """One row per member (and phase) of alliance ``atopid`` with its obligations.

    By default the columns are those that differ between the members, so the table shows
    exactly where the treaty treats its members differently.
    """
    rows = atop.members[atop.members["atopid"] == atopid]
    if rows.empty:
        raise KeyError(f"atopid {atopid} is not in the member-level file")
    if columns is None:
        profile = asymmetry_profile(atop).set_index("atopid")
        differing = profile.loc[atopid, "differing"]
        columns = differing.split(", ") if differing else []
    return rows[["atopid", "member", "phase", *columns]].reset_index(drop=True)


# --- U.S. alliances and the Japan–U.S. comparison ----------------------------------------


def members_of(alliances: pd.DataFrame) -> pd.Series:
    """The COW codes listed in ``mem1``…``mem59`` of each alliance, as sorted lists."""
    cols = [c for c in MEMBER_COLUMNS if c in alliances.columns]
    return alliances[cols].apply(lambda r: sorted(int(v) for v in r.dropna()), axis=1)


def us_alliances(atop: AtopData, index: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every alliance that lists the United States (COW 2) among its members.

    Columns: ``atopid``, ``label`` (the project's name where it has one), ``begyr``,
    ``endyr``, ``members``, the index and its components, ``asymm``, ``differing`` and
    ``milinst`` (the archive's summary, for comparison).
    """
    index = institutionalization_index(atop.alliances) if index is None else index
    alliances = atop.alliances
    mask = members_of(alliances).map(lambda ms: US in ms)
    base = alliances.loc[
        mask, ["atopid", "asymm"] + (["milinst"] if "milinst" in alliances else [])
    ]
    out = base.merge(index, on="atopid").merge(
        asymmetry_profile(atop)[["atopid", "differing"]], on="atopid", how="left"
    )
    out.insert(1, "label", out["atopid"].map(US_ALLIANCE_LABELS).fillna(""))
    out.insert(
        4,
        "members",
        out["atopid"].map(dict(zip(alliances["atopid"], members_of(alliances), strict=True))),
    )
    return out.sort_values(["begyr", "atopid"]).reset_index(drop=True)


def japan_us_comparison(
    atop: AtopData,
    *,
    case_end: int = 1978,
    compag_military: Collection[int] = (1,),
    missing: Literal["exclude", "absent"] = "exclude",
) -> pd.DataFrame:
    """The 1951 and 1960 Japan–U.S. treaties: index, percentiles and rank among U.S. peers.

    For each treaty: the index and its components; its percentile among all ATOP alliances
    with an index (``pct_all_*``); among the alliances in force during its own years in the
    case window, 1951–1960 for the 1951 treaty and 1960–``case_end`` for the 1960 one
    (``pct_period_*``); and its rank among the U.S. peers (NATO, Philippines, ANZUS, Korea,
    ROC and the two Japan treaties; rank 1 = most institutionalized, ties share the best rank).
    """
    index = institutionalization_index(
        atop.alliances, compag_military=compag_military, missing=missing
    )
    by_id = index.set_index("atopid")
    peers = by_id.loc[list(US_PEERS), "index"]
    rows = []
    for atopid in JAPAN_US:
        row = by_id.loc[atopid]
        end = int(row["endyr"]) if row["endyr"] else case_end
        period = (int(row["begyr"]), min(end, case_end))
        value = row["index"]
        everyone = percentile_of(value, index["index"])
        of_period = percentile_of(value, index.loc[active_between(index, *period), "index"])
        rows.append(
            {
                "atopid": atopid,
                "label": US_ALLIANCE_LABELS[atopid],
                "begyr": int(row["begyr"]),
                "endyr": int(row["endyr"]),
                "index": value,
                **{f"has_{c}": row[c] for c in INDEX_COMPONENTS},
                "n_all": everyone["n"],
                "pct_all_below": everyone["below"],
                "pct_all_at_or_below": everyone["at_or_below"],
                "pct_all": everyone["percentile"],
                "period": f"{period[0]}–{period[1]}",
                "n_period": of_period["n"],
                "pct_period_below": of_period["below"],
                "pct_period_at_or_below": of_period["at_or_below"],
                "pct_period": of_period["percentile"],
                "rank_among_us_peers": int((peers > value).sum()) + 1,
                "n_us_peers": int(peers.notna().sum()),
            }
        )
    return pd.DataFrame(rows)


# --- treaty-text coding, for putting beside the case's practice coding --------------------


@lru_cache(maxsize=1)
def _codes() -> dict[tuple[str, int], tuple[str, str]]:
    with CODES_FILE.open(encoding="utf-8", newline="") as fh:
        return {
            (r["variable"], int(r["code"])): (r["meaning"], r["basis"]) for r in csv.DictReader(fh)
        }


def code_meaning(variable: str, code: float) -> tuple[str, str]:
    """``(meaning, basis)`` of one ATOP code, from ``analysis/data/atop_codes.csv``.

    ``basis`` says how far to trust the meaning: ``readme`` (the data README), ``derivation``
    (the level's role is fixed by reconstructing the archive's summary columns), ``archive-code``
    (as Alley's code reads it), ``checked`` (checked against the data here), ``interpretation``
    (the project's reading, not verified) or ``unverified`` (no meaning known).

    >>> code_meaning("compag", 1)
    ('companion military agreement', 'archive-code')
    >>> code_meaning("compag", 4)[1]
    'unverified'
    """
    if pd.isna(code):
        return ("missing in ATOP", "missing")
    meaning = _codes().get((variable, int(code)))
    if meaning:
        return meaning
    return (
        f"code {int(code)}: level meaning not verified against the ATOP v4 codebook",
        "unverified",
    )


def treaty_coding(
    atop: AtopData,
    atopids: Iterable[int] = JAPAN_US,
    variables: Iterable[str] = tuple(DESIGN_VARIABLES),
) -> pd.DataFrame:
    """ATOP's coding of the treaty text as a tidy table: one row per alliance and variable.

    Columns: ``atopid``, ``member`` (empty for the alliance-level code; a COW code for the
    member-level rows added where members differ), ``variable``, ``code``, ``meaning``,
    ``basis``. A report can join this to the case's practice coding on ``variable``.

    >>> rows = treaty_coding(atop, [3375], ["base"])  # doctest: +SKIP
    >>> rows[["variable", "code"]].values.tolist()  # doctest: +SKIP
    [['base', 3.0]]
    """
    variables = list(variables)
    rows = []
    profile = asymmetry_profile(atop).set_index("atopid")
    for atopid in atopids:
        match = atop.alliances[atop.alliances["atopid"] == atopid]
        if match.empty:
            raise KeyError(f"atopid {atopid} is not in the alliance-level file")
        record = match.iloc[0]
        for var in variables:
            code = record.get(var, np.nan)
            rows.append(
                {
                    "atopid": atopid,
                    "member": "",
                    "variable": var,
                    "code": code,
                    **dict(zip(("meaning", "basis"), code_meaning(var, code), strict=True)),
                }
            )
        differing = [v for v in profile.loc[atopid, "differing"].split(", ") if v]
        members = atop.members[atop.members["atopid"] == atopid]
        for var in differing:
            for _, m in members.iterrows():
                rows.append(
                    {
                        "atopid": atopid,
                        "member": str(int(m["member"])),
                        "variable": var,
                        "code": m[var],
                        **dict(zip(("meaning", "basis"), code_meaning(var, m[var]), strict=True)),
                    }
                )
    return pd.DataFrame(rows, columns=["atopid", "member", "variable", "code", "meaning", "basis"])


# --- the replication archive's summary columns -------------------------------------------


def _military_organisation(a: pd.DataFrame) -> pd.Series:
    first = (a["organ1"].fillna(0) > 0) & a["orgpurp1"].isin([1, 4])
    second = (a["organ2"].fillna(0) > 0) & a["orgpurp2"].isin([1, 4])
    return first | second


def _rebuilt_milinst(a: pd.DataFrame) -> pd.Series:
    f = a.fillna(0)
    high = (f["intcom"] == 1) | (f["milcon"] == 3) | (f["base"] > 0)
    moderate = (
        (f["milcon"] == 2)
        | (f["milaid"] >= 3)
        | (f["subord"] > 0)
        | (f["contrib"] == 1)
        | _military_organisation(a)
    )
    rebuilt = pd.Series(np.where(high, 2.0, np.where(moderate, 1.0, 0.0)), index=a.index)
    # With every input missing there is nothing to rebuild from.
    inputs = ["intcom", "milcon", "base", "milaid", "subord", "contrib", "organ1", "organ2"]
    return rebuilt.where(a[inputs].notna().any(axis=1))


SUMMARY_RULES: dict[str, tuple[str, object]] = {
    "milinst": (
        "2 if intcom = 1 or milcon = 3 or base > 0; else 1 if milcon = 2 or milaid >= 3 or "
        "subord > 0 or contrib = 1 or a military organisation (milorg); else 0",
        _rebuilt_milinst,
    ),
    "hinst": (
        "1 if milinst = 2 else 0",
        lambda a: (a["milinst"] == 2).astype(float).where(a["milinst"].notna()),
    ),
    "minst": (
        "1 if milinst = 1 else 0",
        lambda a: (a["milinst"] == 1).astype(float).where(a["milinst"].notna()),
    ),
    "milorg": (
        "1 if organ1 or organ2 > 0 with orgpurp 1 or 4",
        lambda a: _military_organisation(a).astype(float),
    ),
    "formorg": (
        "1 if organ1 >= 2 or organ2 >= 2",
        lambda a: ((a["organ1"].fillna(0) >= 2) | (a["organ2"].fillna(0) >= 2)).astype(float),
    ),
    "formal": ("pubtreat + formorg", lambda a: a["pubtreat"] + a["formorg"]),
}


def check_summary_columns(alliances: pd.DataFrame) -> pd.DataFrame:
    """Rebuild the archive's summary columns from ATOP's own and count the disagreements.

    One row per summary column: the ``rule`` tried, ``n_compared`` (both sides known),
    ``n_agree``, ``n_disagree``, ``disagree_ids`` and ``n_summary_missing``. ``pubtreat`` has
    no rule: no combination of the ATOP columns here reproduces it (see ``docs/atop.md``).
    """
    rows = []
    for column, (rule, rebuild) in SUMMARY_RULES.items():
        if column not in alliances.columns:
            continue
        rebuilt = rebuild(alliances)
        given = alliances[column]
        both = given.notna() & rebuilt.notna()
        differ = both & (given != rebuilt)
        rows.append(
            {
                "column": column,
                "rule": rule,
                "n_compared": int(both.sum()),
                "n_agree": int((both & ~differ).sum()),
                "n_disagree": int(differ.sum()),
                "disagree_ids": ", ".join(str(int(i)) for i in alliances.loc[differ, "atopid"]),
                "n_summary_missing": int(given.isna().sum()),
            }
        )
    return pd.DataFrame(rows)
