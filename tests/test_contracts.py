"""The table contracts (common/contracts.py) are what the writers, readers, schemas and captions follow."""
import re

import pandas as pd
import pytest

from online_csa.claims import verdicts
from online_csa.cleaning import clean_ledger as clean_ledger_module, routing
from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.common import contracts
from online_csa.common.table_schemas import SCHEMAS
from online_csa.common.tables import read_table, write_table
from conftest import NO_CORRECTIONS, ROOT, SERIES, synthetic_force_rows, synthetic_national_rows

CAPTIONS = {"panel": "panel.rst", "claims": "claims.rst", "rejected": "rejected.rst", "routing": "ledger_routing.rst"}
# a filled cell of each kind, and what read_table makes of an empty one
FILLED = {contracts.TEXT: "a", contracts.NULLABLE_TEXT: "b", contracts.INTEGER: "7", contracts.FLOAT: "1.5",
          contracts.BOOLEAN: "True"}
DTYPES = {contracts.TEXT: "object", contracts.NULLABLE_TEXT: "object", contracts.INTEGER: "Int64",
          contracts.FLOAT: "float64", contracts.BOOLEAN: "boolean"}


def header(path) -> list[str]:
    return path.read_text().splitlines()[0].split(",")


@pytest.fixture
def cleaned(synthetic_forces, synthetic_population):
    rows = [("F0001", "Northshire", "2015/16", "online_child_sexual_offences", 10, None, "2017-01"),
            ("F0002", "Southshire", "2015/16-2016/17", "online_child_sexual_offences", 30, None, "2017-01"),
            ("F0003", "Atlantis", "2016/17", "online_child_sexual_offences", 5, None, "2017-01")]
    national = synthetic_national_rows([("N0001", "2019-06", "2016/17", "England and Wales",
                                         "online_child_sexual_offences", 500)])
    return clean_ledger(synthetic_force_rows(rows), national, synthetic_forces, synthetic_population, NO_CORRECTIONS,
                        SERIES, "2015/16", "latest_release", "0-17")


@pytest.mark.parametrize("table", ["panel", "claim_records", "rejected", "routing"])
def test_the_cleaning_stage_writes_each_table_in_its_contract_order(cleaned, table, tmp_path):
    frame = getattr(cleaned, table)
    assert len(frame), "the synthetic ledger should fill every table"
    write_table(frame, tmp_path / "plain.csv")
    write_table(frame[frame.columns[::-1]], tmp_path / "reversed.csv", table)
    assert header(tmp_path / "plain.csv") == contracts.CONTRACTS[table].column_names
    assert header(tmp_path / "reversed.csv") == contracts.CONTRACTS[table].column_names


def test_writing_against_a_contract_drops_extra_columns_and_refuses_a_missing_one(tmp_path):
    columns = contracts.CLAIMS.column_names
    frame = pd.DataFrame([[f"{c}-value" for c in reversed(columns)] + ["x"]], columns=[*reversed(columns), "extra"])
    write_table(frame, tmp_path / "claims.csv", "claims")
    assert header(tmp_path / "claims.csv") == columns
    with pytest.raises(KeyError, match="verdict"):
        write_table(frame.drop(columns="verdict"), tmp_path / "bad.csv", "claims")


@pytest.mark.parametrize("table", sorted(contracts.CONTRACTS))
def test_read_table_gives_each_column_its_contract_dtype(table, tmp_path):
    contract = contracts.CONTRACTS[table]
    filled = ",".join(FILLED[c.kind] for c in contract.columns)
    empty = "," * (len(contract.columns) - 1)
    path = tmp_path / f"{table}.csv"
    path.write_text("\n".join([",".join(contract.column_names), filled, empty]) + "\n")
    frame = read_table(path, table)
    assert list(frame.columns) == contract.column_names
    for column in contract.columns:
        assert str(frame[column.name].dtype) == DTYPES[column.kind], column.name
        assert str(frame.at[0, column.name]) == FILLED[column.kind], column.name
        empty_cell = frame.at[1, column.name]
        if column.kind == contracts.TEXT:
            assert empty_cell == "", column.name
        else:
            assert pd.isna(empty_cell), column.name


def test_the_schemas_check_the_contract_columns_in_order():
    for name, schema in SCHEMAS.items():
        assert list(schema.columns) == contracts.CONTRACTS[name].column_names
        assert schema.strict and schema.ordered
        assert [c.nullable for c in schema.columns.values()] == [c.nullable for c in contracts.CONTRACTS[name].columns]


@pytest.mark.parametrize("table", sorted(CAPTIONS))
def test_each_caption_names_every_column_of_its_table(table):
    caption = (ROOT / "workflow" / "report" / CAPTIONS[table]).read_text()
    unnamed = [c for c in contracts.CONTRACTS[table].column_names if not re.search(rf"``{re.escape(c)}``", caption)]
    assert unnamed == []


def test_claim_records_and_claims_are_two_contracts_with_distinct_names():
    assert contracts.CLAIM_RECORDS.name == "claim_records" and contracts.CLAIMS.name == "claims"
    assert contracts.CLAIM_RECORDS.column_names != contracts.CLAIMS.column_names
    # the column lists they replaced, one name for two tables, are gone
    for module in (routing, verdicts, clean_ledger_module):
        assert not [n for n in vars(module) if n.endswith("_COLUMNS") and n != "CANDIDATE_COLUMNS"], module.__name__


def test_a_column_of_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        contracts.ContractColumn("x", "decimal", "not a kind")
