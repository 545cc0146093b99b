"""Pandera schemas of the pipeline's output tables: what later stages and reviewers may rely on."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from online_csa.claims.verdicts import VERDICTS
from online_csa.cleaning.panel import STATUSES
from online_csa.cleaning.routing import REJECTION_REASONS

FISCAL_YEAR = r"^\d{4}/\d{2}$"

PANEL = pa.DataFrameSchema(
    {
        "series": pa.Column(str),
        "force": pa.Column(str),
        "ons_code": pa.Column(str),
        "fiscal_year": pa.Column(str, pa.Check.str_matches(FISCAL_YEAR)),
        "value": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "status": pa.Column(str, pa.Check.isin(STATUSES)),
        "record_ids": pa.Column(str),
        "alternatives": pa.Column(str),
        "child_population": pa.Column("Int64", pa.Check.gt(0), nullable=True),
        "rate_per_100k": pa.Column(float, pa.Check.ge(0), nullable=True),
        "note": pa.Column(str),
        "lower": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "upper": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "first_printed": pa.Column(str),
    },
    checks=[
        # bounds exactly on suppressed cells, in order
        pa.Check(lambda df: df["lower"].notna() == (df["status"] == "suppressed"), name="bounds_only_where_suppressed"),
        pa.Check(lambda df: df["lower"].isna() | (df["lower"] <= df["upper"]), name="lower_not_above_upper"),
        # a value only in observed or conflicting cells; an observed cell always has one
        pa.Check(lambda df: df["value"].isna() | df["status"].isin(["observed", "conflicting"]),
                 name="value_only_where_observed"),
        pa.Check(lambda df: (df["status"] != "observed") | df["value"].notna(), name="observed_has_value"),
        pa.Check(lambda df: (df["record_ids"] == "") == df["status"].isin(["missing", "not_applicable"]),
                 name="record_ids_unless_missing"),
    ],
    unique=["series", "force", "fiscal_year"],
    strict=True,
    name="panel",
)

CLAIMS = pa.DataFrameSchema(
    {
        "claim_id": pa.Column(str, unique=True),
        "record_ids": pa.Column(str),
        "verdict": pa.Column(str, pa.Check.isin(VERDICTS)),
        "basis": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    strict=False,
    name="claims",
)

REJECTED = pa.DataFrameSchema(
    {
        "record_id": pa.Column(str, unique=True),
        "source_file": pa.Column(str),
        "field": pa.Column(str),
        "reason": pa.Column(str, pa.Check.isin(list(REJECTION_REASONS))),
        "detail": pa.Column(str),
    },
    strict=True,
    name="rejected",
)

SCHEMAS = {"panel": PANEL, "claims": CLAIMS, "rejected": REJECTED}


def validate_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate an output table; a failure names the table, the column and the offending rows."""
    try:
        return SCHEMAS[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.head(20).to_string(index=False)
        raise ValueError(f"output table '{name}' failed its schema:\n{cases}") from None
