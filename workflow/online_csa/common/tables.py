"""Read and write the pipeline's CSV tables the same way every time (byte-stable output)."""
from __future__ import annotations

import pandas as pd

# columns that must come back as text even when empty, and as nullable integers
_TEXT = {
    "panel": ["series", "force", "ons_code", "fiscal_year", "status", "record_ids", "alternatives", "note",
              "first_printed"],
    "claim_records": ["record_id", "level", "force", "geography", "fiscal_year", "measure", "value_text",
                      "release_date", "forces_responded", "forces_asked", "qualifier", "source_url"],
    "claims": ["claim_id", "record_ids", "fiscal_year", "geography", "measure", "basis", "verdict", "note", "level",
               "kind", "method", "input_record_ids", "release_date", "verdict_other_vintage_rule"],
    "rejected": ["record_id", "source_file", "field", "reason", "detail"],
    "routing": ["record_id", "source_file", "destination", "role", "key"],
}
_INTEGER = {"panel": ["value", "child_population", "lower", "upper"]}
_NULLABLE_TEXT = {"claim_records": ["force", "value_text", "release_date", "forces_responded", "forces_asked",
                                    "qualifier", "source_url"]}


def write_table(frame: pd.DataFrame, path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def read_table(path, kind: str) -> pd.DataFrame:
    dtype = {c: str for c in _TEXT.get(kind, [])}
    dtype.update({c: "Int64" for c in _INTEGER.get(kind, [])})
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values={c: [""] for c in _INTEGER.get(kind, [])})
    for column in frame.columns:
        if column not in dtype and frame[column].dtype == object:
            try:
                frame[column] = pd.to_numeric(frame[column].replace("", None))
            except (ValueError, TypeError):
                pass
    for column in _NULLABLE_TEXT.get(kind, []):
        frame[column] = frame[column].replace("", None)
    return frame
