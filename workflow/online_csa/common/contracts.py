"""The contract of each table the cleaning and claims stages write: its columns, in order, with their
kinds and meaning. Writers order columns from it, `read_table` takes dtypes from it, the pandera
schemas (common/table_schemas.py) take their column set from it, and the captions (workflow/report/)
must name every column it lists (tests/test_contracts.py checks that)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# kinds of column, as a CSV cell is read back:
TEXT = "text"                    # a string; an empty cell stays ""
NULLABLE_TEXT = "nullable text"  # a string; an empty cell is None
INTEGER = "integer"              # a nullable integer (pandas Int64); an empty cell is <NA>
FLOAT = "float"                  # a float; an empty cell is NaN
BOOLEAN = "boolean"              # a nullable boolean (pandas boolean)
KINDS = (TEXT, NULLABLE_TEXT, INTEGER, FLOAT, BOOLEAN)

# the pandas dtype each kind is read as
READ_DTYPES = {TEXT: str, NULLABLE_TEXT: str, INTEGER: "Int64", FLOAT: "float64", BOOLEAN: "boolean"}


@dataclass(frozen=True)
class ContractColumn:
    name: str
    kind: str
    description: str
    # whether the column may hold a missing value (NA) in memory; a text column may always be ""
    nullable: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class TableContract:
    name: str
    description: str
    columns: tuple[ContractColumn, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def names_of_kind(self, kind: str) -> list[str]:
        return [c.name for c in self.columns if c.kind == kind]

    def ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with exactly the contract's columns, in its order; a missing column is an error."""
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise KeyError(f"table '{self.name}' lacks column(s) {missing}")
        return frame[self.column_names]


def _contract(name: str, description: str, *columns: tuple) -> TableContract:
    return TableContract(name, description, tuple(ContractColumn(*column) for column in columns))


# columns that mean the same in every table that has them
_RECORD_ID = ("record_id", TEXT, "the ledger record")
_SOURCE_FILE = ("source_file", TEXT, "the ledger file it came from")
_PERIOD = ("fiscal_year", TEXT, "the period the figure covers")
_GEOGRAPHY = ("geography", TEXT, "the geography the figure covers")
_MEASURE = ("measure", TEXT, "what the figure measures")

PANEL = _contract(
    "panel", "the force x fiscal-year panel: one row per series, force and fiscal year",
    ("series", TEXT, "the configured series (offence measure)"),
    ("force", TEXT, "police force, as named in police_forces.csv"),
    ("ons_code", TEXT, "the force's ONS area code"),
    ("fiscal_year", TEXT, "fiscal year, YYYY/YY"),
    ("value", INTEGER, "the count, in observed and conflicting cells", True),
    ("status", TEXT, "observed, conflicting, suppressed, not_provided, missing or not_applicable"),
    ("record_ids", TEXT, "the ledger records behind the cell, ';'-separated"),
    ("alternatives", TEXT, "the values the vintage rule did not choose, with their records"),
    ("child_population", INTEGER, "children in the force area that year", True),
    ("rate_per_100k", FLOAT, "value per 100,000 children", True),
    ("note", TEXT, "how the cell's value or status was reached"),
    ("lower", INTEGER, "lower bound of a suppressed count", True),
    ("upper", INTEGER, "upper bound of a suppressed count", True),
    ("first_printed", TEXT, "date of the earliest source that printed the chosen value"),
)

CLAIM_RECORDS = _contract(
    "claim_records", "ledger rows routed to the claims: one published figure each (results/interim)",
    _RECORD_ID,
    ("level", TEXT, "force or national"),
    ("force", NULLABLE_TEXT, "the force, for a force-level figure", True),
    _GEOGRAPHY,
    _PERIOD,
    _MEASURE,
    ("value", FLOAT, "the figure as a number", True),
    ("value_text", NULLABLE_TEXT, "the figure as printed", True),
    ("release_date", NULLABLE_TEXT, "date of the source", True),
    ("forces_responded", NULLABLE_TEXT, "forces that answered, for a national figure", True),
    ("forces_asked", NULLABLE_TEXT, "forces asked, for a national figure", True),
    ("qualifier", NULLABLE_TEXT, "the ledger's qualifier of the figure", True),
    ("source_url", NULLABLE_TEXT, "where the figure was printed", True),
)

CLAIMS = _contract(
    "claims", "every published figure with its verdict and the basis of the check",
    ("claim_id", TEXT, "the claim: a record_id, or a headline check's id"),
    ("record_ids", TEXT, "the ledger records that publish the figure"),
    _PERIOD,
    _GEOGRAPHY,
    _MEASURE,
    ("published_value", FLOAT, "the published figure", True),
    ("reproduced_value", FLOAT, "the value recomputed from force-level data or other totals", True),
    ("basis", TEXT, "what the check compared"),
    ("verdict", TEXT, "reproduced, consistent, contradicted or not_reproducible"),
    ("note", TEXT, "caveats of the verdict", True),
    ("level", TEXT, "force, national or headline"),
    ("kind", TEXT, "the kind of measure checked"),
    ("method", TEXT, "how the figure was checked", True),
    ("coverage_share", FLOAT, "share of the geography's children the force data cover", True),
    ("input_record_ids", TEXT, "the records the check used", True),
    ("release_date", TEXT, "date of the source", True),
    ("verdict_other_vintage_rule", TEXT, "the verdict on the panel built with the other vintage rule", True),
)

REJECTED = _contract(
    "rejected", "ledger rows kept out of the panel and the claims",
    _RECORD_ID,
    _SOURCE_FILE,
    ("field", TEXT, "the field at fault"),
    ("reason", TEXT, "the reason code (cleaning/routing.py REJECTION_REASONS)"),
    ("detail", TEXT, "what was wrong"),
)

ROUTING = _contract(
    "routing", "where every ledger row went: one line per record_id and destination",
    _RECORD_ID,
    _SOURCE_FILE,
    ("destination", TEXT, "panel, claims or rejected"),
    ("role", TEXT, "value, gap or alternative (panel); claim; the reason code (rejected)"),
    ("key", TEXT, "the panel cell (series|force|year), the claim's record_id or the field at fault"),
)

CONTRACTS = {contract.name: contract for contract in (PANEL, CLAIM_RECORDS, CLAIMS, REJECTED, ROUTING)}
