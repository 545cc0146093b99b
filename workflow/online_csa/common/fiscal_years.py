"""UK fiscal years (1 April to 31 March) as the ledger writes them.

The ledger's ``fiscal_year`` column is mostly a plain year such as ``2018/19``, but
some rows cover a span (``2015/16-2018/19``), a part-year with its window in brackets
(``2017/18 (Apr-Oct 2017)``) or something that is not a fiscal year at all
(``2017 (calendar year)``, ``four-year comparison``). :func:`parse_period` sorts a
label into one of those kinds so the cleaning stage can route each row.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_SINGLE = re.compile(r"^(\d{4})/(\d{2})$")
_SPAN = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{4})/(\d{2})$")
_WITH_NOTE = re.compile(r"^(?P<core>\d{4}/\d{2}(?:\s*-\s*\d{4}/\d{2})?)\s*\((?P<note>.*)\)$")


@dataclass(frozen=True)
class Period:
    """A parsed ``fiscal_year`` label.

    kind is one of:
      ``year``    exactly one whole fiscal year;
      ``span``    several whole fiscal years (first..last inclusive);
      ``window``  a fiscal year or span qualified by a bracketed window (part-year or
                  a period stated differently): usable as a claim, never as a count;
      ``other``   not a fiscal year (calendar years, 'unknown', ...).
    """

    label: str
    kind: str
    first: int | None = None  # start calendar year of the first fiscal year
    last: int | None = None  # start calendar year of the last fiscal year
    note: str = ""

    @property
    def start_years(self) -> list[int]:
        if self.first is None or self.last is None:
            return []
        return list(range(self.first, self.last + 1))


def _start_year(four: str, two: str, label: str) -> int:
    start = int(four)
    if (start + 1) % 100 != int(two):
        raise ValueError(f"fiscal year {label!r}: {four}/{two} is not a consecutive pair of years")
    return start


def parse_fiscal_year(label: str) -> int:
    """Return the start calendar year of a single fiscal-year label ('2018/19' -> 2018).

    Raises ValueError for anything that is not exactly one fiscal year.
    """
    match = _SINGLE.match(str(label).strip())
    if not match:
        raise ValueError(f"{label!r} is not a single fiscal year of the form YYYY/YY")
    return _start_year(match.group(1), match.group(2), label)


def format_fiscal_year(start: int) -> str:
    """2018 -> '2018/19'."""
    return f"{start}/{(start + 1) % 100:02d}"


def parse_period(label: str) -> Period:
    text = "" if label is None else str(label).strip()
    match = _SINGLE.match(text)
    if match:
        start = _start_year(match.group(1), match.group(2), text)
        return Period(text, "year", start, start)
    match = _SPAN.match(text)
    if match:
        first = _start_year(match.group(1), match.group(2), text)
        last = _start_year(match.group(3), match.group(4), text)
        if last < first:
            raise ValueError(f"fiscal-year span {text!r} ends before it starts")
        return Period(text, "span", first, last)
    match = _WITH_NOTE.match(text)
    if match:
        inner = parse_period(match.group("core"))
        return Period(text, "window", inner.first, inner.last, match.group("note"))
    return Period(text, "other")


def days_in_fiscal_year(start: int) -> int:
    """366 when the fiscal year contains 29 February (2015/16, 2019/20, ...), else 365."""
    return 366 if calendar.isleap(start + 1) else 365


def fiscal_years_between(first: int, last: int) -> list[str]:
    return [format_fiscal_year(y) for y in range(first, last + 1)]
