"""What every per-record check reads, built once for a run of the claims stage."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from online_csa.claims.cell_index import CellIndex
from online_csa.claims.published_totals import published_count_table, published_total
from online_csa.common.geographies import GeographyMap


@dataclass(frozen=True)
class ClaimContext:
    cells: CellIndex  # the panel's force-year cells
    geographies: GeographyMap
    series: list[str]  # the configured count series, which decide what a measure name means
    min_coverage_share: float  # the least coverage that lets an incomplete total be called consistent
    published_counts: pd.DataFrame  # the releases' own single-year totals (published_count_table)
    force_claims: pd.DataFrame  # force-level claims, whose sum bounds a national age count

    @classmethod
    def from_claims(cls, claims: pd.DataFrame, panel: pd.DataFrame, geographies: GeographyMap, series: list[str],
                    min_coverage_share: float) -> "ClaimContext":
        """The context for checking `claims` (collapsed claim records) against `panel`."""
        return cls(CellIndex(panel), geographies, series, min_coverage_share,
                   published_count_table(claims, geographies, series), claims[claims["level"] == "force"])

    def published_total(self, series, geo_id, year, release_date) -> tuple[float, str] | None:
        return published_total(self.published_counts, series, geo_id, year, release_date)
