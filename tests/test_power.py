"""The power-diffusion series: sourced figures, derived rows, the chart and bad input."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import pytest

from allytrace.analysis import power as P
from allytrace.errors import SourceError

EVENTS = [
    ("1960-01-19", "Treaty revised"),
    ("1964", "Policy Planning Talks"),
    ("1967", "Security Subcommittee"),
    ("1978", "Guidelines"),
]


@pytest.fixture(scope="module")
def series():
    return P.load_power_series()


def test_every_row_names_its_source(series):
    assert len(series) > 100
    assert series["source"].map(lambda s: isinstance(s, str) and s.strip() != "").all()
    assert series["source_id"].str.len().gt(0).all()
    # Derived rows say that they are computed, and from what.
    derived = series[series["derived"]]
    assert set(derived["series"]) == {"gdp_growth", "japan_gdp_share_of_us"}
    assert derived["source"].str.startswith("Computed here").all()


def test_every_raw_row_resolves_to_a_full_citation():
    sources = P.load_sources()
    with P.SERIES_FILE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["source_id"] for r in rows} <= set(sources)
    for src in sources.values():
        assert src["citation"].strip() and src["locator"].strip()


def test_first_nuclear_tests_have_exact_dates(series):
    tests = series[series["series"] == "first_nuclear_test"].set_index("entity")["date"].to_dict()
    assert tests == {
        "United States": "1945-07-16",
        "Soviet Union": "1949-08-29",
        "United Kingdom": "1952-10-03",
        "France": "1960-02-13",
        "China": "1964-10-16",
    }


def test_no_figure_is_filled_in(series):
    troops = series[series["series"] == "us_military_personnel_in_japan"]
    # 1951 and 1952 have no DoD report; the data must not interpolate them.
    assert not troops["year"].isin([1951, 1952]).any()
    assert troops["value"].notna().all()
    keyed = series.groupby(["series", "entity", "year"]).size()
    assert (keyed[keyed.index.get_level_values(0) != "first_nuclear_test"] == 1).all()


def test_derived_rows_recompute_from_the_sourced_levels(series):
    gdp = series[series["series"] == "gdp"].set_index(["entity", "year"])["value"]
    assert gdp[("Japan", 1950)] == 160966 and gdp[("United States", 1973)] == 3536622
    growth = series[series["series"] == "gdp_growth"].set_index(["entity", "year"])["value"]
    assert growth[("Japan", 1961)] == pytest.approx(100 * (420246 / 375090 - 1))
    share = series[series["series"] == "japan_gdp_share_of_us"].set_index("year")["value"]
    assert share[1950] == pytest.approx(100 * 160966 / 1455916)
    # Maddison's published 1950–73 compound growth rates: Japan 9.29%, U.S. 3.93%.
    assert (gdp[("Japan", 1973)] / gdp[("Japan", 1950)]) ** (1 / 23) - 1 == pytest.approx(
        0.0929, abs=5e-5
    )


def test_frus_figures_are_in_the_volume(frus_path, series):
    text = re.sub(r"\s+", " ", frus_path.read_text(encoding="utf-8"))
    assert "detonated their first nuclear weapon on October 16, 1964" in text
    assert "$300 to $350 million from American military expenditures in Japan" in text
    row = series[series["series"] == "us_military_expenditure_in_japan"].iloc[0]
    assert (row["value"], row["value_high"], row["source_id"]) == (300, 350, "frus-d75")


def test_chart_spec_has_one_time_axis_and_the_callers_events(series):
    spec = P.power_chart(series, EVENTS)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert len(spec["vconcat"]) == 2 + len(P.DEFAULT_PANELS)
    dump = repr(spec)
    for _, label in EVENTS:
        assert label in dump
    domains = set(re.findall(r"'domain': \['(\d{4}-\d\d-\d\d)', '(\d{4}-\d\d-\d\d)'\]", dump))
    assert domains == {("1945-01-01", "1980-12-31")}
    # Without events there is no empty events strip.
    assert len(P.power_chart(series)["vconcat"]) == 1 + len(P.DEFAULT_PANELS)


def test_chart_files_are_written_and_not_trivial(series, tmp_path):
    svg, png = P.save_power_chart(P.power_chart(series, EVENTS), tmp_path / "charts" / "power")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<svg") and len(text) > 50_000
    for label in (
        "China",
        "Security Subcommittee",
        "Real GDP growth",
        "U.S. military personnel in Japan",
    ):
        assert label in text
    assert not list(tmp_path.rglob("*.tmp"))


# --- bad input ---------------------------------------------------------------------------


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    data, sources = tmp_path / "series.csv", tmp_path / "sources.csv"
    shutil.copy(P.SERIES_FILE, data)
    shutil.copy(P.SOURCES_FILE, sources)
    return data, sources


def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        P.load_power_series(tmp_path / "absent.csv")
    data, _ = _copy(tmp_path)
    with pytest.raises(SourceError, match="not found"):
        P.load_power_series(data, tmp_path / "absent-sources.csv")


def test_malformed_row_names_its_line(tmp_path):
    data, sources = _copy(tmp_path)
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[4] += ",one,field,too,many"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="wrong number of fields") as err:
        P.load_power_series(data, sources)
    assert err.value.line == 5 and "\n" not in str(err.value)


def test_a_figure_without_a_known_source_is_refused(tmp_path):
    data, sources = _copy(tmp_path)
    text = data.read_text(encoding="utf-8").replace(",maddison-2010,", ",my-memory,", 1)
    data.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match="my-memory"):
        P.load_power_series(data, sources)


def test_non_numeric_value_and_missing_columns(tmp_path):
    data, sources = _copy(tmp_path)
    data.write_text(
        data.read_text(encoding="utf-8").replace(",160966,", ",lots,", 1), encoding="utf-8"
    )
    with pytest.raises(SourceError, match="'lots' is not a number"):
        P.load_power_series(data, sources)
    data.write_text("series,value\ngdp,1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="missing column"):
        P.load_power_series(data, sources)


def test_a_source_without_a_citation_is_refused(tmp_path):
    data, sources = _copy(tmp_path)
    rows = list(csv.DictReader(sources.open(encoding="utf-8", newline="")))
    rows[0]["citation"] = " "
    with sources.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=P.SOURCE_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(SourceError, match="citation"):
        P.load_power_series(data, sources)


def test_bad_date_is_a_source_error(tmp_path):
    data, sources = _copy(tmp_path)
    data.write_text(
        data.read_text(encoding="utf-8").replace("1964-10-16", "1964-10-32", 1), encoding="utf-8"
    )
    with pytest.raises(SourceError, match="no such day"):
        P.load_power_series(data, sources)


def test_growth_is_not_computed_across_a_gap():
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "series": "gdp",
                "entity": "X",
                "date": "",
                "year": y,
                "value": v,
                "value_high": math.nan,
                "unit": "u",
                "source_id": "s",
                "source": "S",
                "note": "",
                "derived": False,
            }
            for y, v in ((1950, 100.0), (1951, 110.0), (1953, 121.0))
        ]
    )
    growth = P._derived(frame)
    assert growth["year"].tolist() == [1951]
