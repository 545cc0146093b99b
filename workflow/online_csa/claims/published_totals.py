"""The releases' own national and regional totals, for checks that need a total the force data
cannot give (a per-day rate, a change between years, a share)."""
from __future__ import annotations

import pandas as pd

from online_csa.cleaning.panel import release_key
from online_csa.common.fiscal_years import parse_period
from online_csa.common.geographies import GeographyMap
from online_csa.common.measures import classify_measure

PUBLISHED_COUNT_COLUMNS = ["series", "geo_id", "start_year", "value", "record_ids", "release_date"]


def published_count_table(claims: pd.DataFrame, geographies: GeographyMap, series: list[str]) -> pd.DataFrame:
    """National/regional published counts for single years, for the arithmetic checks."""
    rows = []
    for claim in claims.itertuples(index=False):
        measure = classify_measure(claim.measure, series)
        try:
            period = parse_period(claim.fiscal_year)
        except ValueError:  # a malformed period: check_claim says so; it is no total to use
            continue
        if claim.level != "national" or not measure.is_count or measure.bound or period.kind != "year":
            continue
        if pd.isna(claim.published_value):
            continue
        geography = geographies.for_record(claim.record_ids.split(";")[0], claim.geography)
        if geography is None:
            continue
        rows.append({"series": measure.series, "geo_id": geography.id, "start_year": period.first,
                     "value": claim.published_value, "record_ids": claim.record_ids,
                     "release_date": claim.release_date})
    return pd.DataFrame(rows, columns=PUBLISHED_COUNT_COLUMNS)


def published_total(table: pd.DataFrame, series, geo_id, year, release_date) -> tuple[float, str] | None:
    """(value, record_ids) of the published count for a geography and year: the same release
    first, else the latest one not after it; None if no release printed one."""
    if table.empty:
        return None
    rows = table[(table["series"] == series) & (table["geo_id"] == geo_id) & (table["start_year"] == year)]
    if rows.empty:
        return None
    key = release_key(release_date)
    def closeness(k):
        # same day > same month > an earlier release > a later one
        return 3 if k == key and k[2] else 2 if k[:2] == key[:2] else 1 if k <= key else 0
    rows = rows.assign(_key=rows["release_date"].map(release_key))
    rows = rows.assign(_close=rows["_key"].map(closeness), _cited=rows["record_ids"].str.count(";"))
    pick = rows.sort_values(["_close", "_cited", "_key", "record_ids"],
                            ascending=[False, False, False, True]).iloc[0]
    return float(pick["value"]), pick["record_ids"]
