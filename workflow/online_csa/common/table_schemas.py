"""Pandera schemas of the pipeline's output tables: what later stages and reviewers may rely on."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from online_csa.common import contracts
from online_csa.claims.verdicts import VERDICTS
from online_csa.cleaning.panel import STATUSES
from online_csa.cleaning.routing import REJECTION_REASONS

FISCAL_YEAR = r"^\d{4}/\d{2}$"

# the pandera dtype each contract kind is checked against, in memory before a table is written
_DTYPES = {contracts.TEXT: str, contracts.NULLABLE_TEXT: str, contracts.INTEGER: "Int64",
           contracts.FLOAT: float, contracts.BOOLEAN: "boolean"}


def contract_schema(contract: contracts.TableContract, value_checks: dict, **options) -> pa.DataFrameSchema:
    """A strict, ordered schema of the contract's columns, with their kinds and nullability, plus
    `value_checks` ({column: check or dict of pa.Column options}) on the values."""
    columns = {}
    for column in contract.columns:
        extra = value_checks.get(column.name, {})
        extra = extra if isinstance(extra, dict) else {"checks": extra}
        columns[column.name] = pa.Column(_DTYPES[column.kind], nullable=column.nullable, **extra)
    unknown = sorted(set(value_checks) - set(columns))
    if unknown:
        raise ValueError(f"value checks name column(s) not in the '{contract.name}' contract: {unknown}")
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=contract.name, **options)


PANEL = contract_schema(
    contracts.PANEL,
    {
        "fiscal_year": pa.Check.str_matches(FISCAL_YEAR),
        "value": pa.Check.ge(0),
        "status": pa.Check.isin(STATUSES),
        "child_population": pa.Check.gt(0),
        "rate_per_100k": pa.Check.ge(0),
        "lower": pa.Check.ge(0),
        "upper": pa.Check.ge(0),
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
)

CLAIMS = contract_schema(
    contracts.CLAIMS,
    {
        "claim_id": {"unique": True},
        "verdict": pa.Check.isin(VERDICTS),
        "basis": pa.Check.str_length(min_value=1),
    },
)

REJECTED = contract_schema(
    contracts.REJECTED,
    {
        "record_id": {"unique": True},
        "reason": pa.Check.isin(list(REJECTION_REASONS)),
    },
)

SCHEMAS = {"panel": PANEL, "claims": CLAIMS, "rejected": REJECTED}


def validate_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate an output table; a failure names the table, the column and the offending rows."""
    try:
        return SCHEMAS[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.head(20).to_string(index=False)
        raise ValueError(f"output table '{name}' failed its schema:\n{cases}") from None
