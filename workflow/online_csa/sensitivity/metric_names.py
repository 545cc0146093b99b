"""The names of the sensitivity table's metrics, in one place: the rules name metrics for the
figures and the scenario comparison, and must name them as the Monte Carlo does. No imports, so
a rules file can use it when the workflow is parsed.

An adjusted total depends on the comparison it belongs to (the level assumptions are for the
later year of a comparison, and the earlier year's is reached through the ratios), so its name
says which: `adjusted total 2018/19 (H01b, later year)`. A recorded total does not, and is named
by its year alone.
"""

JOINT = "all assumptions drawn"  # the variant of the sensitivity table with every assumption drawn
ICEBERG = "iceberg multiplier (offences per recorded flagged offence)"
EARLIER, LATER = "earlier year", "later year"


def short_claim_id(claim_id: str) -> str:
    """The claim id up to its first underscore: H01b_doubling_release_totals -> H01b."""
    return claim_id.split("_")[0]


def ratio_metric(kind: str, from_year: str, to_year: str) -> str:
    """`recorded` or `adjusted` ratio of a comparison."""
    return f"{kind} ratio {to_year} vs {from_year}"


def recorded_total_metric(year: str) -> str:
    return f"recorded total {year}"


def adjusted_total_metric(claim_id: str, year: str, role: str) -> str:
    """The adjusted total of `year` as the earlier or later year (`role`) of one claim's comparison."""
    return f"adjusted total {year} ({short_claim_id(claim_id)}, {role})"
