"""The headline trend claims the sensitivity stage tests ("doubled since 2015/16"): two published
totals and the ratios (thresholds) at which the claim stops holding."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class TrendClaim:
    claim_id: str
    description: str
    from_year: str
    to_year: str
    published_from: float
    published_to: float
    published_records: str
    thresholds: tuple[float, ...]

    @property
    def published_ratio(self) -> float:
        return self.published_to / self.published_from


def trend_claims_from_config(entries: list[dict], records: pd.DataFrame) -> list[TrendClaim]:
    """`sensitivity.trend_claims` of the config, with the published totals of their records."""
    claims = []
    for entry in entries:
        for key in ("from_record", "to_record"):
            if entry[key] not in records.index:
                raise ValueError(f"sensitivity.trend_claims[{entry['claim_id']}].{key}: {entry[key]} "
                                 "is not a claim record")
        claims.append(TrendClaim(entry["claim_id"], entry["description"], entry["from_year"], entry["to_year"],
                                 float(records.loc[entry["from_record"], "value"]),
                                 float(records.loc[entry["to_record"], "value"]),
                                 f"{entry['from_record']}, {entry['to_record']}",
                                 tuple(float(t) for t in entry["thresholds"])))
    return claims
