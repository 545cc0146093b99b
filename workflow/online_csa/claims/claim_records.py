"""Ledger claim records -> claims: one claim per published figure, whichever outlets printed it."""
from __future__ import annotations

import pandas as pd

from online_csa.cleaning.panel import release_key
from online_csa.common.fiscal_years import parse_period
from online_csa.common.formatting import format_number
from online_csa.common.geographies import Geography, GeographyMap


def claim_geography(claim, geographies: GeographyMap) -> Geography | None:
    """The geography a claim speaks for (None when its label is not in config/geographies.yaml)."""
    return geographies.for_figure(claim["level"], claim["force"], claim["record_ids"].split(";")[0], claim["geography"])


def period_key(label) -> str:
    """The period as printed, in the ledger's usual spelling when it is a fiscal year or span
    ('2019-20' and '2019/20' are one period); a part-year window is not the same figure as its
    whole year, so it keeps its label."""
    try:
        return parse_period(label).canonical
    except ValueError:
        return str(label)


def collapse_claim_records(records: pd.DataFrame, geographies: GeographyMap) -> pd.DataFrame:
    """Identical figures from several outlets become one claim listing every record_id."""
    records = records.copy()
    def geo_key(row):
        geography = geographies.for_figure(row["level"], row["force"], row["record_id"], row["geography"])
        return geography.id if geography else f"label:{row['geography']}"
    records["geo_key"] = records.apply(geo_key, axis=1) if len(records) else []
    records["value_key"] = records["value"].map(lambda v: "none" if pd.isna(v) else repr(float(v)))
    records["period_key"] = records["fiscal_year"].map(period_key)
    rows = []
    for _, group in records.groupby(["level", "geo_key", "period_key", "measure", "value_key"], sort=False):
        group = group.sort_values("record_id")
        first = group.iloc[0]
        rows.append({
            "claim_id": first["record_id"], "record_ids": ";".join(group["record_id"]),
            "fiscal_year": first["fiscal_year"], "geography": first["geography"], "measure": first["measure"],
            "published_value": first["value"], "value_text": first["value_text"], "level": first["level"],
            "force": first["force"], "geo_key": first["geo_key"], "period_key": first["period_key"],
            "qualifier": next((q for q in group["qualifier"] if isinstance(q, str) and q), None)
            if "qualifier" in group else None,
            # the most precise date any outlet gives for the release (ties: the earliest)
            "release_date": min(group["release_date"].dropna(), default="",
                                key=lambda d: (-sum(p > 0 for p in release_key(d)), release_key(d))),
        })
    claims = pd.DataFrame(rows)
    # note other published values for the same figure
    if len(claims):
        claims["conflicts"] = ""
        for _, group in claims.groupby(["level", "geo_key", "period_key", "measure"]):
            if len(group) > 1:
                for idx in group.index:
                    others = group.drop(idx)
                    claims.at[idx, "conflicts"] = "other published values for this figure: " + "; ".join(
                        f"{format_number(v, 0) if pd.notna(v) else 'none'} ({ids})"
                        for v, ids in zip(others["published_value"], others["record_ids"]))
    return claims
