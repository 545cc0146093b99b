"""UK fiscal years (1 April to 31 March) as the ledger writes them.

The ledger's ``fiscal_year`` column is mostly a plain year such as ``2018/19``, but
some rows cover a span (``2015/16-2018/19``), a part-year with its window in brackets
(``2017/18 (Apr-Oct 2017)``), a range of months (``Apr 2017-Sep 2018 (18 months)``,
``YE Jun 2017``, ``Apr-Jun 2020 (3 months)``) or something that is not a fiscal year at
all (``2017 (calendar year)``, ``four-year comparison``). :func:`parse_period` sorts a
label into one of those kinds so the cleaning stage can route each row.

A fiscal year may be written ``2018/19``, ``2018-19``, ``2018/2019`` or ``2018-2019``;
all four are the year from April 2018 to March 2019. A pair of two-digit-ended years
that is not consecutive (``2018/20``, ``2016-18``) is malformed; two full years that are
not consecutive (``2012-2017``) are a range of calendar years, not a fiscal year.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

# one fiscal year in any of the four accepted spellings: start year, separator, end year (2 or 4 digits)
_YEAR = r"(\d{4})\s*[/-]\s*(\d{4}|\d{2})"
_SINGLE = re.compile(rf"^{_YEAR}$")
_SPAN = re.compile(rf"^{_YEAR}\s*-\s*{_YEAR}$")
_WITH_NOTE = re.compile(rf"^(?P<core>{_YEAR}(?:\s*-\s*{_YEAR})?)\s*\((?P<note>.*)\)$")

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9
_MONTH = r"([A-Za-z]{3,9})\.?"
_STATED_LENGTH = r"(?:\s*\((\d+)\s+months?\))?"
# Apr 2017-Sep 2018 (18 months); Apr-Jun 2020 (3 months); YE Jun 2017 / year ending June 2017
_MONTH_RANGE = re.compile(rf"^{_MONTH}\s*(\d{{4}})\s*(?:-|to)\s*{_MONTH}\s*(\d{{4}}){_STATED_LENGTH}$", re.I)
_MONTH_RANGE_ONE_YEAR = re.compile(rf"^{_MONTH}\s*(?:-|to)\s*{_MONTH}\s*(\d{{4}}){_STATED_LENGTH}$", re.I)
_YEAR_ENDING = re.compile(rf"^(?:YE|year ending)\s+{_MONTH}\s*(\d{{4}}){_STATED_LENGTH}$", re.I)


@dataclass(frozen=True)
class Period:
    """A parsed ``fiscal_year`` label.

    kind is one of:
      ``year``    exactly one whole fiscal year;
      ``span``    several whole fiscal years (first..last inclusive);
      ``window``  a fiscal year or span qualified by a bracketed window (part-year or
                  a period stated differently): usable as a claim, never as a count;
      ``months``  a range of calendar months (``start_month`` to ``end_month``, inclusive):
                  a claim, never a panel cell; ``first``/``last`` are set only when the
                  months are whole fiscal years (April to March);
      ``other``   not a fiscal year (calendar years, 'unknown', ...).
    """

    label: str
    kind: str
    first: int | None = None  # start calendar year of the first fiscal year
    last: int | None = None  # start calendar year of the last fiscal year
    note: str = ""
    start_month: tuple[int, int] | None = None  # (year, month) of a month range
    end_month: tuple[int, int] | None = None

    @property
    def start_years(self) -> list[int]:
        if self.first is None or self.last is None:
            return []
        return list(range(self.first, self.last + 1))

    @property
    def canonical(self) -> str:
        """The label in the ledger's usual spelling (2018/19, 2015/16-2018/19), so that one period
        written two ways is one period; other kinds keep their label."""
        if self.kind == "year":
            return format_fiscal_year(self.first)
        if self.kind == "span":
            return f"{format_fiscal_year(self.first)}-{format_fiscal_year(self.last)}"
        return self.label

    def months_covered(self) -> str:
        """'Apr 2017-Sep 2018' for a month range."""
        (y0, m0), (y1, m1) = self.start_month, self.end_month
        return f"{calendar.month_abbr[m0]} {y0}-{calendar.month_abbr[m1]} {y1}"

    def as_fiscal_years(self) -> "Period | None":
        """The whole fiscal year or span a month range covers (Apr 2017-Mar 2018 -> 2017/18), or None
        when the months are not whole fiscal years."""
        if self.kind != "months" or self.first is None:
            return None
        kind = "year" if self.first == self.last else "span"
        return Period(self.label, kind, self.first, self.last)


def _start_year(four: str, end: str, label: str) -> int:
    start = int(four)
    consecutive = int(end) == start + 1 if len(end) == 4 else (start + 1) % 100 == int(end)
    if not consecutive:
        raise ValueError(f"fiscal year {label!r}: {four}/{end} is not a consecutive pair of years")
    return start


def _calendar_years(start: str, end: str) -> bool:
    """True for two full years that are not consecutive (2012-2017): calendar years, not a fiscal year."""
    return len(end) == 4 and int(end) != int(start) + 1


def parse_fiscal_year(label: str) -> int:
    """Return the start calendar year of a single fiscal-year label ('2018/19', '2018-19',
    '2018/2019' -> 2018).

    Raises ValueError for anything that is not exactly one fiscal year.
    """
    match = _SINGLE.match(str(label).strip())
    if not match:
        raise ValueError(f"{label!r} is not a single fiscal year of the form YYYY/YY")
    return _start_year(match.group(1), match.group(2), label)


def format_fiscal_year(start: int) -> str:
    """2018 -> '2018/19'."""
    return f"{start}/{(start + 1) % 100:02d}"


def _month(name: str, label: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise ValueError(f"period {label!r}: {name!r} is not a month")
    return number


def _month_range(label: str, start: tuple[int, int], end: tuple[int, int], stated: str | None) -> Period:
    """A month range, checked (it must not end before it starts; a stated length must match)."""
    length = (end[0] - start[0]) * 12 + end[1] - start[1] + 1
    if length < 1:
        raise ValueError(f"period {label!r} ends before it starts")
    if stated is not None and int(stated) != length:
        raise ValueError(f"period {label!r} says {stated} months but covers {length}")
    first = last = None
    if start[1] == 4 and end[1] == 3:  # April to March: whole fiscal years
        first, last = start[0], end[0] - 1
    return Period(label, "months", first, last, start_month=start, end_month=end)


def _parse_months(text: str) -> Period | None:
    if match := _MONTH_RANGE.match(text):
        m0, y0, m1, y1, stated = match.groups()
        return _month_range(text, (int(y0), _month(m0, text)), (int(y1), _month(m1, text)), stated)
    if match := _MONTH_RANGE_ONE_YEAR.match(text):
        m0, m1, year, stated = match.groups()
        return _month_range(text, (int(year), _month(m0, text)), (int(year), _month(m1, text)), stated)
    if match := _YEAR_ENDING.match(text):
        name, year, stated = match.groups()
        end = (int(year), _month(name, text))
        start = (end[0], end[1] + 1) if end[1] < 12 else (end[0] + 1, 1)
        return _month_range(text, (start[0] - 1, start[1]), end, stated)
    return None


def parse_period(label: str) -> Period:
    """Sort a ``fiscal_year`` label into its kind (see :class:`Period`). A label that looks like a
    fiscal year, a span or a month range but is malformed (years not consecutive, a span or range
    that ends before it starts, an unknown month) raises ValueError."""
    text = "" if label is None else str(label).strip()
    match = _SINGLE.match(text)
    if match and _calendar_years(match.group(1), match.group(2)):
        return Period(text, "other")
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
    if match and "calendar" in match.group("note").lower():
        return Period(text, "other")
    if match:
        inner = parse_period(match.group("core"))
        return Period(text, "window", inner.first, inner.last, match.group("note"))
    months = _parse_months(text)
    if months is not None:
        return months
    return Period(text, "other")


def days_in_fiscal_year(start: int) -> int:
    """366 when the fiscal year contains 29 February (2015/16, 2019/20, ...), else 365."""
    return 366 if calendar.isleap(start + 1) else 365


def fiscal_years_between(first: int, last: int) -> list[str]:
    return [format_fiscal_year(y) for y in range(first, last + 1)]
