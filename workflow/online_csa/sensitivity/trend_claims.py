"""The headline trend claims the sensitivity stage tests ("doubled since 2015/16"): two published
totals and the thresholds the ratio is tested against, each with what reaching it means and the
config key its number comes from (configuration/claim_thresholds.py resolves them). A claim holds
when its ratio is at least the threshold, unrounded.

The ratio of the two published totals is the claim's "published arithmetic" only when both totals
speak for the same area: 10,391 for the UK with the Channel Islands over 8,224 for England, Wales
and Northern Ireland is not a change in anything. When the two records map to different
geographies, `arithmetic_caveat` says so and the published arithmetic gives no tipping point."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year

if TYPE_CHECKING:
    from online_csa.common.geographies import GeographyMap


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
    arithmetic_caveat: str = ""  # why the published totals' ratio is not the claim's change ("" when it is)

    @property
    def published_ratio(self) -> float:
        """The later published total over the earlier; NaN when they cover different areas."""
        return float("nan") if self.arithmetic_caveat else self.published_to / self.published_from

    @property
    def span_years(self) -> int:
        """Years from the earlier to the later year: the power a per-year ratio is raised to."""
        return parse_fiscal_year(self.to_year) - parse_fiscal_year(self.from_year)


def arithmetic_caveat(from_record: str, to_record: str, records: pd.DataFrame,
                      geographies: GeographyMap | None) -> str:
    """Why the two published totals' ratio is not a change in one area, or "" when both records map
    to the same geography (or no map is given)."""
    if geographies is None:
        return ""
    areas = []
    for record_id in (from_record, to_record):
        row = records.loc[record_id]
        area = geographies.for_figure(row.get("level", "national"), row.get("force"), record_id, row["geography"])
        areas.append((record_id, row["geography"], area))
    (id0, label0, area0), (id1, label1, area1) = areas
    if area0 is not None and area1 is not None and area0.id == area1.id:
        return ""
    return (f"{id0} covers {label0} and {id1} {label1}: not the same area, so the ratio of the published totals is "
            "not the claim's change and gives no tipping point")


def trend_claims_from_config(entries: list[dict], records: pd.DataFrame,
                             geographies: GeographyMap | None = None) -> list[TrendClaim]:
    """`sensitivity.trend_claims` of the config, thresholds resolved (each {meaning, ratio, source}),
    with the published totals of their records and, given the geography map, whether those two
    totals cover the same area."""
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
                                       for t in entry["thresholds"]),
                                 arithmetic_caveat(entry["from_record"], entry["to_record"], records, geographies)))
    return claims
