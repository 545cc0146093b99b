import pytest

from online_csa.common.fiscal_years import days_in_fiscal_year, format_fiscal_year, parse_fiscal_year, parse_period


def test_single_year_parses_to_its_start_year():
    assert parse_fiscal_year("2018/19") == 2018
    assert format_fiscal_year(1999) == "1999/00"


@pytest.mark.parametrize("label", ["2018/20", "2018-19", "18/19", "2018/19 (Apr-Oct)"])
def test_malformed_single_year_is_refused(label):
    with pytest.raises(ValueError):
        parse_fiscal_year(label)


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
