"""Read and write the pipeline's CSV tables the same way every time (byte-stable output)."""
from __future__ import annotations

import pandas as pd

from online_csa.common.contracts import CONTRACTS, NULLABLE_TEXT, READ_DTYPES


def write_table(frame: pd.DataFrame, path, contract: str | None = None) -> None:
    """Write `frame`; with the name of a table contract (common/contracts.py), in its columns and order."""
    if contract is not None:
        frame = CONTRACTS[contract].ordered(frame)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def read_table(path, kind: str) -> pd.DataFrame:
    """Read a table with the dtypes its contract gives each column (common/contracts.py)."""
    contract = CONTRACTS[kind]
    dtype = {c.name: READ_DTYPES[c.kind] for c in contract.columns}
    # only non-text columns read an empty cell as missing; text keeps "" unless it is nullable text
    missing = {c.name: [""] for c in contract.columns if READ_DTYPES[c.kind] is not str}
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=missing)
    for column in contract.names_of_kind(NULLABLE_TEXT):
        frame[column] = frame[column].replace("", None)
    return frame
