"""ATOP: the index, percentiles and asymmetry, checked against the CSV read another way.

The integration tests recompute the Japan–U.S. numbers with the ``csv`` module only (no
pandas, no code shared with ``allytrace.analysis.atop``), so a bug in the library's path shows
up as a disagreement. They skip when the ATOP files are absent.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from allytrace.analysis import atop as A
from allytrace.errors import SourceError

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ALLYTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
ATOP_DIR = SHARED / "atop"


@pytest.fixture(scope="module")
def atop() -> A.AtopData:
    if not (ATOP_DIR / A.ALLIANCE_FILE).is_file():
        pytest.skip(f"ATOP data not found at {ATOP_DIR} (set ALLYTRACE_SHARED_DATA)")
    return A.load_atop(ATOP_DIR)


# --- an independent computation with the csv module --------------------------------------


def _csv_rows() -> list[dict[str, str]]:
    with (ATOP_DIR / A.ALLIANCE_FILE).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _by_hand(row: dict[str, str]) -> int | None:
    """The index as the docs define it, from the raw strings; None if a part is blank."""
    parts = [row[c] for c in ("milcon", "milaid", "base", "intcom", "organ1", "compag")]
    if any(p.strip() == "" for p in parts):
        return None
    milcon, milaid, base, intcom, organ1, compag = (float(p) for p in parts)
    return sum([milcon >= 1, milaid >= 1, base >= 1, intcom == 1, organ1 >= 1, compag == 1])


def _in_force(row: dict[str, str], start: int, end: int) -> bool:
    begin, finish = int(float(row["begyr"])), int(float(row["endyr"]))
    return begin <= end and (finish == 0 or finish >= start)


def _pct(value: int, values: list[int]) -> tuple[int, float, float]:
    n = len(values)
    below = 100 * sum(v < value for v in values) / n
    upto = 100 * sum(v <= value for v in values) / n
    return n, below, upto


@pytest.mark.integration
def test_japan_us_index_and_percentiles_match_a_direct_computation(atop):
    rows = _csv_rows()
    index = {int(r["atopid"]): _by_hand(r) for r in rows}
    known = [v for v in index.values() if v is not None]
    result = A.japan_us_comparison(atop).set_index("atopid")

    # The values themselves, so a change of definition cannot pass silently.
    assert index[3220] == 2 and index[3375] == 3
    for atopid, period in ((3220, (1951, 1960)), (3375, (1960, 1978))):
        got = result.loc[atopid]
        assert got["index"] == index[atopid]
        n, below, upto = _pct(index[atopid], known)
        assert got["n_all"] == n
        assert got["pct_all_below"] == pytest.approx(below)
        assert got["pct_all_at_or_below"] == pytest.approx(upto)
        assert got["pct_all"] == pytest.approx((below + upto) / 2)
        peers = [
            index[int(r["atopid"])]
            for r in rows
            if _in_force(r, *period) and index[int(r["atopid"])] is not None
        ]
        n, below, upto = _pct(index[atopid], peers)
        assert got["period"] == f"{period[0]}–{period[1]}"
        assert got["n_period"] == n
        assert got["pct_period_below"] == pytest.approx(below)
        assert got["pct_period_at_or_below"] == pytest.approx(upto)
        assert got["pct_period"] == pytest.approx((below + upto) / 2)


@pytest.mark.integration
def test_rank_among_us_peers_by_hand(atop):
    index = {int(r["atopid"]): _by_hand(r) for r in _csv_rows()}
    peers = [index[a] for a in (3180, 3210, 3215, 3220, 3240, 3270, 3375)]
    result = A.japan_us_comparison(atop).set_index("atopid")
    for atopid in (3220, 3375):
        assert result.loc[atopid, "rank_among_us_peers"] == 1 + sum(
            p > index[atopid] for p in peers
        )


@pytest.mark.integration
def test_us_alliances_are_those_listing_cow_2(atop):
    rows = _csv_rows()
    expected = {
        int(r["atopid"])
        for r in rows
        if any(r[f"mem{i}"].strip() and int(float(r[f"mem{i}"])) == 2 for i in range(1, 60))
    }
    table = A.us_alliances(atop)
    assert set(table["atopid"]) == expected
    named = table.set_index("atopid")["label"]
    for atopid in A.US_PEERS:
        assert named[atopid], f"{atopid} has no label"
    assert named[3215].startswith("ANZUS")


@pytest.mark.integration
def test_member_level_asymmetry_of_the_japan_treaties(atop):
    profile = A.asymmetry_profile(atop).set_index("atopid")
    assert profile.loc[3220, "differing"].split(", ") == ["defense", "terrres", "thirdcom"]
    assert profile.loc[3375, "differing"].split(", ") == ["defense", "terrres"]
    assert profile.loc[3375, "asymm"] == 1 and profile.loc[3375, "agrees"]
    members = A.member_obligations(atop, 3375).set_index("member")
    assert members.loc[2, "defense"] == 1 and members.loc[740, "defense"] == 0
    assert members.loc[740, "terrres"] == 1


@pytest.mark.integration
def test_treaty_coding_is_tidy_and_says_how_far_to_trust_each_meaning(atop):
    table = A.treaty_coding(atop)
    assert list(table.columns) == ["atopid", "member", "variable", "code", "meaning", "basis"]
    alliance_rows = table[table["member"] == ""]
    assert len(alliance_rows) == 2 * len(A.DESIGN_VARIABLES)
    compag = alliance_rows.set_index(["atopid", "variable"])
    assert compag.loc[(3220, "compag"), "code"] == 4
    assert compag.loc[(3220, "compag"), "basis"] == "unverified"
    assert compag.loc[(3375, "compag"), "meaning"] == "companion military agreement"
    member_rows = table[(table["member"] != "") & (table["variable"] == "defense")]
    assert sorted(member_rows["member"].unique()) == ["2", "740"]
    assert set(table["basis"]) <= {
        "readme",
        "derivation",
        "archive-code",
        "checked",
        "interpretation",
        "unverified",
        "missing",
    }


@pytest.mark.integration
def test_archive_summary_columns_are_rebuilt_from_atops_own(atop):
    check = A.check_summary_columns(atop.alliances).set_index("column")
    for column in ("milinst", "hinst", "minst", "milorg", "formorg", "formal"):
        assert check.loc[column, "n_disagree"] == 0, check.loc[column, "disagree_ids"]
        assert check.loc[column, "n_compared"] > 700


# --- the definitions on synthetic data (no ATOP files needed) -----------------------------


def _frame(**columns) -> pd.DataFrame:
    base = {
        "atopid": [1],
        "begyr": [1951],
        "endyr": [1960],
        "milcon": [0],
        "milaid": [0],
        "base": [0],
        "intcom": [0],
        "organ1": [0],
        "compag": [0],
    }
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base)


def test_each_component_counts_once():
    assert A.institutionalization_index(_frame())["index"].item() == 0
    full = _frame(milcon=3, milaid=4, base=1, intcom=1, organ1=2, compag=1)
    assert A.institutionalization_index(full)["index"].item() == 6
    # Levels above 1 add nothing: the index counts presence, not strength.
    assert A.institutionalization_index(_frame(milcon=1))["index"].item() == 1
    assert A.institutionalization_index(_frame(milcon=3))["index"].item() == 1


def test_only_military_companion_agreements_count_unless_told_otherwise():
    frame = _frame(compag=4)
    assert A.institutionalization_index(frame)["index"].item() == 0
    assert A.institutionalization_index(frame, compag_military=(1, 4))["index"].item() == 1
    assert A.index_definition((1, 4))[-1] == ("compag", "compag in {1, 4}")


def test_a_missing_component_leaves_the_index_unknown_unless_counted_absent():
    frame = _frame(base=3, compag=float("nan"))
    row = A.institutionalization_index(frame).iloc[0]
    assert math.isnan(row["index"]) and row["index_known"] == 1 and row["n_missing"] == 1
    assert A.institutionalization_index(frame, missing="absent")["index"].item() == 1


def test_percentiles_with_ties():
    ref = pd.Series([0, 0, 1, 2, 2, float("nan")])
    assert A.percentile_of(2, ref) == {
        "n": 5,
        "below": 60.0,
        "at_or_below": 100.0,
        "percentile": 80.0,
    }
    assert A.percentile_of(0, ref)["below"] == 0.0


def test_active_between_reads_endyr_zero_as_still_in_force():
    frame = pd.DataFrame({"begyr": [1950, 1955, 1961, 1940], "endyr": [0, 1958, 0, 1950]})
    assert A.active_between(frame, 1951, 1960).tolist() == [True, True, False, False]


# --- bad input ---------------------------------------------------------------------------


def _write_atop(folder: Path, alliance_rows: list[list[object]] | None = None) -> Path:
    """A two-alliance ATOP look-alike with just the required columns."""
    folder.mkdir(parents=True, exist_ok=True)
    head = [
        "atopid",
        "begyr",
        "endyr",
        "asymm",
        "milcon",
        "milaid",
        "base",
        "intcom",
        "organ1",
        "compag",
        *A.MEMBER_COLUMNS,
    ]
    blanks = [""] * (len(A.MEMBER_COLUMNS) - 2)
    rows = alliance_rows or [
        [10, 1951, 1960, 1, 0, 0, 3, 0, 2, 4, 2, 740, *blanks],
        [11, 1953, 0, 0, 2, 3, 0, 0, 0, 0, 2, 732, *blanks],
    ]
    with (folder / A.ALLIANCE_FILE).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    member_head = ["atopid", "member", "phase", *A.OBLIGATION_COLUMNS]
    with (folder / A.MEMBER_FILE).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(member_head)
        for atopid, member, defense in ((10, 2, 1), (10, 740, 0), (11, 2, 1), (11, 732, 1)):
            values = dict.fromkeys(A.OBLIGATION_COLUMNS, 0) | {"defense": defense}
            w.writerow([atopid, member, 0, *(values[c] for c in A.OBLIGATION_COLUMNS)])
    return folder


def test_synthetic_tables_load_and_index(tmp_path):
    data = A.load_atop(_write_atop(tmp_path / "atop"))
    index = A.institutionalization_index(data.alliances).set_index("atopid")["index"]
    assert index.to_dict() == {10: 2.0, 11: 2.0}
    assert A.asymmetry_profile(data).set_index("atopid").loc[10, "differing"] == "defense"


def test_missing_folder_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        A.load_atop(tmp_path / "nowhere")


def test_malformed_csv_names_the_line(tmp_path):
    folder = _write_atop(tmp_path / "atop")
    path = folder / A.ALLIANCE_FILE
    lines = path.read_text().splitlines()
    lines[2] += ",surplus,fields"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError) as err:
        A.load_atop(folder)
    assert "malformed CSV" in str(err.value) and err.value.line == 3
    assert "\n" not in str(err.value)


def test_text_in_a_numeric_column_is_a_source_error(tmp_path):
    folder = _write_atop(tmp_path / "atop")
    path = folder / A.ALLIANCE_FILE
    path.write_text(path.read_text().replace("\n11,1953,", "\n11,nineteen53,", 1))
    with pytest.raises(SourceError, match="not a number") as err:
        A.load_atop(folder)
    assert err.value.line == 3


def test_wrong_file_and_empty_file_and_duplicates(tmp_path):
    folder = _write_atop(tmp_path / "atop")
    (folder / A.MEMBER_FILE).write_text("name,value\na,1\n")
    with pytest.raises(SourceError, match="missing column"):
        A.load_atop(folder)
    (folder / A.MEMBER_FILE).write_text("")
    with pytest.raises(SourceError, match="empty"):
        A.load_atop(folder)
    blanks = [""] * (len(A.MEMBER_COLUMNS) - 2)
    twice = [[10, 1951, 1960, 1, 0, 0, 3, 0, 2, 4, 2, 740, *blanks]] * 2
    folder = _write_atop(tmp_path / "dup", twice)
    with pytest.raises(SourceError, match="appears twice") as err:
        A.load_atop(folder)
    assert err.value.line == 3


def test_binary_garbage_is_a_source_error(tmp_path):
    folder = _write_atop(tmp_path / "atop")
    (folder / A.ALLIANCE_FILE).write_bytes(b"\xff\xfe\x00garbage\x00\x81")
    with pytest.raises(SourceError):
        A.load_atop(folder)
