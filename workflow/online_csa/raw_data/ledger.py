"""Read the raw ledger tables and validate their structure.

Structural faults (a file that is not UTF-8, a missing column, a duplicated or malformed
record_id, a measure that is not snake_case) stop the pipeline with a :class:`LedgerError` that names the
file, the row (as a line number in the file) and the field. Faults in a single value
(a non-numeric count, an unknown force) do not stop it: the cleaning stage quarantines
that row in ``rejected.csv`` with its reason.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

RECORD_ID_FORCE = r"^F\d{4}$"
RECORD_ID_NATIONAL = r"^N\d{4}$"
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class LedgerError(ValueError):
    """A raw table is malformed; the message names file, line and field."""


@functools.cache
def schemas() -> dict[str, "pa.DataFrameSchema"]:
    """The raw tables' schemas by name, built on first use: pandera's import is a large share of a
    job's start-up, and most jobs read no raw table."""
    import pandera.pandas as pa

    def _text(nullable: bool = False, **kwargs) -> pa.Column:
        return pa.Column(str, nullable=nullable, **kwargs)

    FORCE_FIGURES = pa.DataFrameSchema(
        {
            "record_id": _text(checks=pa.Check.str_matches(RECORD_ID_FORCE), unique=True),
            "force": _text(),
            "nation": _text(nullable=True),
            "fiscal_year": _text(),
            "measure": _text(checks=pa.Check.str_matches(SNAKE_CASE)),
            "value": _text(nullable=True),
            "qualifier": _text(nullable=True),
            "source_url": _text(nullable=True),
            "source_title": _text(nullable=True),
            "source_date": _text(nullable=True),
        },
        strict=False,
        name="force_figures",
    )

    NATIONAL_FIGURES = pa.DataFrameSchema(
        {
            "record_id": _text(checks=pa.Check.str_matches(RECORD_ID_NATIONAL), unique=True),
            "release_date": _text(nullable=True),
            "fiscal_year": _text(),
            "geography": _text(),
            "measure": _text(checks=pa.Check.str_matches(SNAKE_CASE)),
            "value": _text(nullable=True),
            "forces_responded": _text(nullable=True),
            "forces_asked": _text(nullable=True),
            "source_url": _text(nullable=True),
        },
        strict=False,
        name="national_figures",
    )

    CHILD_POPULATION = pa.DataFrameSchema(
        {
            "force": _text(),
            "ons_code": _text(),
            "mid_year": pa.Column(int, pa.Check.in_range(1990, 2100)),
            "age_band": _text(checks=pa.Check.str_matches(r"^\d+-\d+$")),
            "population": pa.Column(int, pa.Check.ge(0)),
            "derivation": _text(nullable=True),
            "source_url": _text(nullable=True),
        },
        strict=False,
        unique=["force", "mid_year", "age_band"],
        name="child_population",
    )
    return {"force_figures": FORCE_FIGURES, "national_figures": NATIONAL_FIGURES, "child_population": CHILD_POPULATION}


def describe_failures(path: str | Path, error: pa.errors.SchemaErrors, id_column: str | None, frame: pd.DataFrame) -> str:
    """One line per failure: file, line number, record id, field, check and value."""
    lines = []
    cases = error.failure_cases
    for case in cases.itertuples(index=False):
        index = case.index
        where = f"line {int(index) + 2}" if pd.notna(index) else "whole table"
        record = ""
        if id_column and pd.notna(index) and id_column in frame.columns:
            record = f" (record_id {frame.at[int(index), id_column]})"
        field = case.column if case.column is not None else "(table)"
        lines.append(f"{path}: {where}{record}, field '{field}': failed {case.check}; value {case.failure_case!r}")
    return "\n  ".join(lines)


def likely_encoding(data: bytes) -> str:
    """The encoding a file that is not UTF-8 seems to be in: cp1252 (Windows) when it decodes as
    that, else latin-1, which decodes any bytes."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


# Byte-order marks of the encodings a spreadsheet's "Unicode text" export uses; UTF-32 first, since
# its little-endian mark begins with UTF-16's.
BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"), (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
                    (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, from the byte-order mark or, without one, from NUL bytes in every other
    position (ASCII text written two bytes a character); None otherwise. Such a file is not
    UTF-8 though it may decode as UTF-8 (a NUL byte is valid UTF-8)."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return f"{encoding}, with a byte-order mark"
    sample = data[:2000]
    if len(sample) >= 4 and b"\x00" in sample:
        if sample[1::2].count(0) > len(sample) // 4:
            return "UTF-16 (little-endian), without a byte-order mark"
        if sample[0::2].count(0) > len(sample) // 4:
            return "UTF-16 (big-endian), without a byte-order mark"
    return None


def check_utf8(path: str | Path) -> None:
    """Raise LedgerError naming the line, the byte and a likely encoding if the file is not UTF-8."""
    data = Path(path).read_bytes()
    wide = wide_encoding(data)
    if wide:
        raise LedgerError(f"{path}: line 1, column 1: the file is {wide}, not UTF-8: save it as UTF-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        encoding = likely_encoding(data)
        raise LedgerError(
            f"{path}: line {line}, column {column}: byte 0x{byte:02x} is not UTF-8; the file seems to be "
            f"{encoding} (where that byte is {bytes([byte]).decode(encoding)!r}): save it as UTF-8") from None


def _read(path: str | Path, schema: pa.DataFrameSchema, id_column: str | None, dtype=str) -> pd.DataFrame:
    import pandera.pandas as pa

    check_utf8(path)
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        raise LedgerError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise LedgerError(f"{path} failed validation:\n  " + describe_failures(path, error, id_column, frame)) from None


def read_force_figures(path) -> pd.DataFrame:
    return _read(path, schemas()["force_figures"], "record_id")


def read_national_figures(path) -> pd.DataFrame:
    return _read(path, schemas()["national_figures"], "record_id")


NATIONS = ("England", "Wales", "Northern Ireland", "Scotland", "GB")
POLICE_FORCE_COLUMNS = ("force", "short_name", "ons_code", "nation", "region")


def read_police_forces(path) -> pd.DataFrame:
    """The force register, checked in plain pandas rather than with a pandera schema: every job that maps
    a geography to forces reads it, and pandera's import would be a third of such a job's start-up."""
    check_utf8(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in POLICE_FORCE_COLUMNS if c not in frame.columns]
    if missing:
        raise LedgerError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
    problems = []
    for index, row in frame.iterrows():
        where = f"{path}: line {index + 2} (force {row['force']!r})"
        for column in ("force", "short_name", "ons_code", "nation"):
            if pd.isna(row[column]):
                problems.append(f"{where}, field '{column}': empty")
        if pd.notna(row["nation"]) and row["nation"] not in NATIONS:
            problems.append(f"{where}, field 'nation': {row['nation']!r} is not one of {', '.join(NATIONS)}")
        for column in ("force", "short_name"):
            if pd.notna(row[column]) and (frame[column] == row[column]).sum() > 1:
                problems.append(f"{where}, field '{column}': {row[column]!r} appears more than once")
    if problems:
        raise LedgerError(f"{path} failed validation:\n  " + "\n  ".join(problems))
    return frame


def read_child_population(path) -> pd.DataFrame:
    import pandera.pandas as pa

    check_utf8(path)
    frame = pd.read_csv(path, dtype={"mid_year": "Int64", "population": "Int64"}, keep_default_na=False, na_values=[""])
    for column in ("mid_year", "population"):
        if frame[column].isna().any():
            line = int(frame.index[frame[column].isna()][0]) + 2
            raise LedgerError(f"{path}: line {line}, field '{column}': empty or not a whole number")
    frame = frame.astype({"mid_year": int, "population": int})
    try:
        return schemas()["child_population"].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        raise LedgerError(f"{path} failed validation:\n  " + describe_failures(path, error, "force", frame)) from None


def count_problem(value: float | None) -> str | None:
    """Why a parsed value cannot be a count of offences, or None if it can."""
    if value is None:
        return None
    if value < 0:
        return f"value {value:g} is negative"
    if value != int(value):
        return f"value {value:g} is not a whole number of offences"
    return None
