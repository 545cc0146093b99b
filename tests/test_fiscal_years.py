import pytest

from online_csa.common.fiscal_years import days_in_fiscal_year, format_fiscal_year, parse_fiscal_year, parse_period


def test_single_year_parses_to_its_start_year():
    assert parse_fiscal_year("2018/19") == 2018
    assert format_fiscal_year(1999) == "1999/00"


@pytest.mark.parametrize("label", ["2018/19", "2018-19", "2018/2019", "2018-2019", " 2018 / 19 "])
def test_the_common_ways_of_writing_a_fiscal_year_are_read(label):
    assert parse_fiscal_year(label) == 2018
    period = parse_period(label)
    assert (period.kind, period.first, period.canonical) == ("year", 2018, "2018/19")


@pytest.mark.parametrize("label", ["2018/20", "2016-18", "2018/2020", "18/19", "2018/19 (Apr-Oct)", "2018"])
def test_malformed_single_year_is_refused(label):
    with pytest.raises(ValueError):
        parse_fiscal_year(label)


def test_a_span_written_with_hyphens_is_the_same_span():
    assert parse_period("2015-16-2018-19").canonical == "2015/16-2018/19"
    assert parse_period("2015/2016-2018/2019").start_years == [2015, 2016, 2017, 2018]


def test_two_full_years_that_are_not_consecutive_are_calendar_years_not_an_error():
    assert parse_period("2012-2017 (calendar years)").kind == "other"
    assert parse_period("2012-2017").kind == "other"
    with pytest.raises(ValueError, match="not a consecutive pair"):
        parse_period("2016-18")


@pytest.mark.parametrize("label, start, end, whole", [
    ("Apr 2017-Sep 2018 (18 months)", (2017, 4), (2018, 9), None),
    ("YE Jun 2017", (2016, 7), (2017, 6), None),
    ("year ending March 2018", (2017, 4), (2018, 3), ("year", 2017, 2017)),
    ("Apr-Jun 2020 (3 months)", (2020, 4), (2020, 6), None),
    ("Apr 2017-Mar 2018", (2017, 4), (2018, 3), ("year", 2017, 2017)),
    ("April 2016 to March 2019", (2016, 4), (2019, 3), ("span", 2016, 2018)),
])
def test_month_ranges_are_read_and_whole_fiscal_years_recognised(label, start, end, whole):
    period = parse_period(label)
    assert (period.kind, period.start_month, period.end_month) == ("months", start, end)
    fiscal = period.as_fiscal_years()
    assert (None if fiscal is None else (fiscal.kind, fiscal.first, fiscal.last)) == whole


@pytest.mark.parametrize("label, message", [
    ("Apr 2017-Sep 2018 (12 months)", "says 12 months but covers 18"),
    ("Sep 2018-Apr 2017", "ends before it starts"),
    ("Apz 2017-Sep 2018", "'Apz' is not a month"),
])
def test_a_malformed_month_range_is_an_error_naming_the_fault(label, message):
    with pytest.raises(ValueError, match=message):
        parse_period(label)


def test_spans_windows_and_other_periods_are_told_apart():
    span = parse_period("2015/16-2018/19")
    assert (span.kind, span.start_years) == ("span", [2015, 2016, 2017, 2018])
    window = parse_period("2017/18-2018/19 (Apr 2017-Sep 2018)")
    assert (window.kind, window.first, window.last, window.note) == ("window", 2017, 2018, "Apr 2017-Sep 2018")
    assert parse_period("2017 (calendar year)").kind == "other"
    assert parse_period("unknown ('last year')").kind == "other"


def test_backwards_span_is_an_error():
    with pytest.raises(ValueError, match="ends before"):
        parse_period("2018/19-2015/16")


def test_leap_years_fall_in_2015_16_and_2019_20():
    assert days_in_fiscal_year(2015) == 366  # contains 29 Feb 2016
    assert days_in_fiscal_year(2019) == 366  # contains 29 Feb 2020
    assert days_in_fiscal_year(2018) == 365
    assert days_in_fiscal_year(2016) == 365
