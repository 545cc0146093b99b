"""The recorded totals the sensitivity stage adjusts: per fiscal year of the modelled geography,
the sum of the observed force figures, the imputation's draws of the rest, and the published
s.15A count.

For a year t, under a non-response multiplier and an s.15A scope,

    N_t = observed_t + pinned_t + nonresponse_multiplier * free_t  [- s15a_flagged_share * s15a_t, if s.15A is out of scope]

where the imputed part is split, draw by draw, into what the applied published totals pin
(pinned_t: the responders' cells, whose sum a total fixes) and what no total pins (free_t: the
non-responders' cells and every cell of a year without a total). The multiplier scales only the
free part: a total that is known is not moved by an assumption about forces that did not answer.
Its neutral value 1 means "as the data imply", the imputation's selection factor included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year


@dataclass
class RecordedTotals:
    """Observed sums and imputation draws of the modelled geography, plus s.15A counts."""
    observed: dict[str, float]  # fiscal year -> observed sum
    imputed: dict[str, np.ndarray]  # fiscal year -> draws of the imputed part
    s15a: dict[str, float]  # fiscal year -> national s.15A count (published)
    free: dict[str, np.ndarray] | None = None  # fiscal year -> draws of the part no total pins (None: all of it)

    @property
    def n_draws(self) -> int:
        return len(next(iter(self.imputed.values())))


def recorded_total(totals: RecordedTotals, year: str, index: np.ndarray, delta, s15a_share, include_s15a: bool):
    """N_t for the imputation draws `index`, with non-response multiplier `delta`; NaN when s.15A
    is out of scope and the year has no s.15A count."""
    imputed = totals.imputed[year][index]
    free = imputed if totals.free is None else totals.free[year][index]
    n = totals.observed[year] + (imputed - free) + np.asarray(delta) * free
    if not include_s15a:
        if year not in totals.s15a:
            return np.full(np.shape(n), np.nan)
        n = n - np.asarray(s15a_share) * totals.s15a[year]
    return n


def load_recorded_totals(national_estimates: pd.DataFrame, national_draws: pd.DataFrame, records: pd.DataFrame,
                         series: str, geography: str, s15a_records: dict[str, str],
                         s15a_first_year: int) -> RecordedTotals:
    """Observed sums and imputation draws of one series and geography; published s.15A counts
    (zero before the offence existed)."""
    rows = national_estimates[(national_estimates["series"] == series) & (national_estimates["geography"] == geography)]
    if rows.empty:
        raise ValueError(f"sensitivity: no national estimates for series {series!r} and geography {geography!r} "
                         "(is the geography in models.imputation.summary_geographies?)")
    observed, imputed, free = {}, {}, {}
    for row in rows.itertuples():
        column = f"{series}|{geography}|{row.fiscal_year}"
        if column in national_draws.columns:
            observed[row.fiscal_year] = float(row.observed_sum)
            imputed[row.fiscal_year] = national_draws[column].to_numpy(float)
            free_column = national_draws.get(f"{column}|free")
            free[row.fiscal_year] = imputed[row.fiscal_year] if free_column is None else free_column.to_numpy(float)
    s15a = {year: 0.0 for year in observed if parse_fiscal_year(year) < s15a_first_year}
    for year, record_id in s15a_records.items():
        s15a[year] = float(records.loc[record_id, "value"])
    return RecordedTotals(observed, imputed, s15a, free)
