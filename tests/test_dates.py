from datetime import date

import pytest

from allytrace.dates import DateError, FuzzyDate, from_tei


@pytest.mark.parametrize(
    "text,precision,lo,hi",
    [
        ("1964-10-16", "day", date(1964, 10, 16), date(1964, 10, 16)),
        ("1964-10", "month", date(1964, 10, 1), date(1964, 10, 31)),
        ("1964-02", "month", date(1964, 2, 1), date(1964, 2, 29)),
        ("1958", "year", date(1958, 1, 1), date(1958, 12, 31)),
        ("1958/1960", "range", date(1958, 1, 1), date(1960, 12, 31)),
        ("[1967-03..1967-05]", "range", date(1967, 3, 1), date(1967, 5, 31)),
    ],
)
def test_parse_precision_and_bounds(text, precision, lo, hi):
    d = FuzzyDate.parse(text)
    assert d.precision == precision
    assert (d.earliest(), d.latest()) == (lo, hi)
    assert FuzzyDate.parse(str(d)) == d  # the text form round-trips


def test_certainty_markers():
    assert FuzzyDate.parse("1958~").certainty == "approximate"
    assert FuzzyDate.parse("1958?").certainty == "uncertain"
    assert FuzzyDate.parse("1958~").human() == "c. 1958"


@pytest.mark.parametrize("bad", ["1964-13", "1967-02-30", "sometime", "64", "1960/1958", ""])
def test_bad_dates_raise(bad):
    with pytest.raises(DateError):
        FuzzyDate.parse(bad)


def test_from_tei_forms():
    assert from_tei(when="1964-02-27T17:00:00Z") == FuzzyDate("1964-02-27", time="17:00:00Z")
    r = from_tei(from_="1967-05-01", to="1967-05-03")
    assert r.precision == "range" and not r.within
    w = from_tei(not_before="1968-01-01", not_after="1968-03-31")
    assert w.within and w.human() == "between 1 January 1968 and 31 March 1968"
    assert from_tei() is None


def test_sort_key_orders_finer_first_within_same_start():
    days = [FuzzyDate.parse(x) for x in ["1964", "1964-01-01", "1964-01", "1963-12-31"]]
    assert [str(d) for d in sorted(days, key=FuzzyDate.sort_key)] == ["1963-12-31", "1964-01-01", "1964-01", "1964"]
