"""The headline trend claims the sensitivity stage tests ("doubled since 2015/16"): two published
totals and the thresholds the ratio is tested against, each with what reaching it means and the
config key its number comes from (configuration/claim_thresholds.py resolves them). A claim holds
when its ratio is at least the threshold, unrounded."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year


@dataclass(frozen=True)
class Threshold:
    ratio: float
    meaning: str  # "any rise", "doubling", ...
    source: str = ""  # the config key the number comes from


@dataclass(frozen=True)
class TrendClaim:
    claim_id: str
    description: str
    from_year: str
    to_year: str
    published_from: float
    published_to: float
    published_records: str
    thresholds: tuple[Threshold, ...]

    @property
    def published_ratio(self) -> float:
        return self.published_to / self.published_from

    @property
    def span_years(self) -> int:
        """Years from the earlier to the later year: the power a per-year ratio is raised to."""
        return parse_fiscal_year(self.to_year) - parse_fiscal_year(self.from_year)


def trend_claims_from_config(entries: list[dict], records: pd.DataFrame) -> list[TrendClaim]:
    """`sensitivity.trend_claims` of the config, thresholds resolved (each {meaning, ratio, source}),
    with the published totals of their records."""
    claims = []
    for entry in entries:
        for key in ("from_record", "to_record"):
            if entry[key] not in records.index:
                raise ValueError(f"sensitivity.trend_claims[{entry['claim_id']}].{key}: {entry[key]} "
                                 "is not a claim record")
        if parse_fiscal_year(entry["to_year"]) <= parse_fiscal_year(entry["from_year"]):
            raise ValueError(f"sensitivity.trend_claims[{entry['claim_id']}].to_year: {entry['to_year']} is not "
                             f"after from_year {entry['from_year']}")
        claims.append(TrendClaim(entry["claim_id"], entry["description"], entry["from_year"], entry["to_year"],
                                 float(records.loc[entry["from_record"], "value"]),
                                 float(records.loc[entry["to_record"], "value"]),
                                 f"{entry['from_record']}, {entry['to_record']}",
                                 tuple(Threshold(float(t["ratio"]), t["meaning"], t.get("source", ""))
                                       for t in entry["thresholds"])))
    return claims
