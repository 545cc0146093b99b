"""Claim verdicts on a synthetic panel of three forces (hand-made numbers)."""
import pandas as pd
import pytest

from online_csa.claims.checker import approx_half_width, check_claims, printed_unit
from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.common.forces import ForceRegister
from online_csa.common.geographies import GeographyMap
from conftest import NO_CORRECTIONS, SERIES, synthetic_force_rows, synthetic_national_rows

ONLINE = "online_child_sexual_offences"
NAMES = [s["name"] for s in SERIES]
GEOGRAPHY = {"geographies": {"all3": {"label": "All three", "nations": ["England", "Wales"]},
                             "north": {"label": "North", "regions": ["North"]}},
             "labels": {"All": "all3", "North": "north"}}


def verdicts_against(force_rows, synthetic_forces, synthetic_population):
    """A function checking a list of national rows against the panel of these synthetic force
    rows; it returns the claims by claim_id."""
    def run(national_rows):
        cleaned = clean_ledger(synthetic_force_rows(force_rows), synthetic_national_rows(national_rows),
                               synthetic_forces, synthetic_population, NO_CORRECTIONS, SERIES, "2015/16",
                               "latest_release", "0-17")
        geography = GeographyMap(GEOGRAPHY, ForceRegister(synthetic_forces))
        claims, _ = check_claims(cleaned.claim_records, cleaned.panel, geography, NAMES, min_coverage_share=0.25)
        return claims.set_index("claim_id")
    return run


@pytest.fixture
def verdicts(synthetic_forces, synthetic_population):
    """Check a list of national rows against a fixed synthetic force panel; return claims by claim_id."""
    force_rows = [
        ("F0001", "Northshire", "2015/16", ONLINE, 100, None, "2016"),
        ("F0002", "Southshire", "2015/16", ONLINE, 200, None, "2016"),
        ("F0003", "Eastshire", "2015/16", ONLINE, 66, None, "2016"),
        ("F0004", "Northshire", "2018/19", ONLINE, 150, None, "2019"),
        ("F0005", "Southshire", "2018/19", ONLINE, 250, None, "2019"),
        ("F0006", "Eastshire", "2018/19", ONLINE, None, "no response", "2019"),
        ("F0007", "Northshire", "2018/19", "child_sexual_offences_all", 1000, None, "2019"),
        ("F0008", "Northshire", "2018/19", "online_share_of_child_sexual_offences_pct", 15, None, "2019"),
    ]
    return verdicts_against(force_rows, synthetic_forces, synthetic_population)


def test_a_complete_total_is_reproduced_or_contradicted(verdicts):
    claims = verdicts([("N0001", "2016-06", "2015/16", "All", ONLINE, 366),
                       ("N0002", "2016-06", "2015/16", "North", ONLINE, 101)])
    assert claims.loc["N0001", ["verdict", "reproduced_value"]].tolist() == ["reproduced", 366]
    assert claims.loc["N0002", ["verdict", "reproduced_value"]].tolist() == ["contradicted", 100]


def test_an_incomplete_total_is_consistent_unless_the_visible_forces_exceed_it(verdicts):
    claims = verdicts([("N0001", "2019-06", "2018/19", "All", ONLINE, 480),
                       ("N0002", "2019-06", "2018/19", "All", ONLINE, 390)])
    assert claims.loc["N0001", "verdict"] == "consistent"
    assert "need to add 80" in claims.loc["N0001", "note"]
    assert claims.loc["N0002", "verdict"] == "contradicted"  # 150 + 250 > 390 already
    assert claims.loc["N0001", "coverage_share"] == pytest.approx(300000 / 350000, abs=1e-4)


def test_a_lower_bound_is_reproduced_once_the_visible_forces_reach_it(verdicts):
    claims = verdicts([("N0001", "2019-06", "2018/19", "All", f"{ONLINE}_lower_bound", 400)])
    assert claims.loc["N0001", "verdict"] == "reproduced"


def test_per_day_uses_366_days_in_a_leap_fiscal_year_and_accepts_truncation(verdicts):
    claims = verdicts([("N0001", "2016-06", "2015/16", "All", f"{ONLINE}_per_day", 1),
                       ("N0002", "2016-06", "2015/16", "North", f"{ONLINE}_per_day", 0),
                       ("N0003", "2019-06", "2018/19", "All", ONLINE, 640),
                       ("N0004", "2019-06", "2018/19", "All", f"{ONLINE}_per_day", 1),
                       ("N0005", "2019-06", "2018/19", "All", f"{ONLINE}_per_day", 3)])
    # 366 offences / 366 days = 1.00 exactly: with 365 days it would be 1.003
    assert claims.loc["N0001", "reproduced_value"] == pytest.approx(1.0)
    assert claims.loc["N0001", "verdict"] == "reproduced"
    # 100 / 366 = 0.27, printed as 0 (rounded)
    assert claims.loc["N0002", "verdict"] == "reproduced"
    assert "rounded" in claims.loc["N0002", "note"] and "366-day" in claims.loc["N0002", "note"]
    # the release's own total 640 / 365 = 1.75, printed as 1 (truncated); 3 a day is contradicted
    assert claims.loc["N0004", ["verdict", "input_record_ids"]].tolist() == ["reproduced", "N0003"]
    assert "1.75 truncated" in claims.loc["N0004", "note"]
    assert claims.loc["N0005", "verdict"] == "contradicted"


def test_percent_change_matches_to_printed_precision(verdicts):
    claims = verdicts([("N0001", "2019", "2015/16-2018/19", "North", f"{ONLINE}_pct_change", 50),
                       ("N0002", "2019", "2015/16-2018/19", "North", f"{ONLINE}_pct_change", 52),
                       ("N0003", "2019", "2015/16-2018/19", "All", f"{ONLINE}_pct_change", 10)])
    assert claims.loc["N0001", ["verdict", "reproduced_value"]].tolist() == ["reproduced", 50.0]
    assert claims.loc["N0002", "verdict"] == "contradicted"
    # Eastshire did not answer in 2018/19 and no totals were published: cannot be tested
    assert claims.loc["N0003", "verdict"] == "not_reproducible"


def test_force_level_share_is_recomputed(verdicts):
    claims = verdicts([])
    assert claims.loc["F0008", ["verdict", "reproduced_value"]].tolist() == ["reproduced", 15.0]


def test_duplicate_national_figures_collapse_into_one_claim(verdicts):
    claims = verdicts([("N0001", "2016-06", "2015/16", "All", ONLINE, 366),
                       ("N0002", "2016-06-21", "2015/16", "All", ONLINE, 366),
                       ("N0003", "2016-06", "2015/16", "All", ONLINE, 370)])
    assert claims.loc["N0001", "record_ids"] == "N0001;N0002"
    assert "N0002" not in claims.index
    assert "370 (N0003)" in claims.loc["N0001", "note"]


def test_unmapped_geography_and_unknown_measure_are_not_reproducible(verdicts):
    claims = verdicts([("N0001", "2016", "2015/16", "Atlantis", ONLINE, 1),
                       ("N0002", "2016", "2015/16", "All", "nca_referrals", 1)])
    assert claims.loc["N0001", "verdict"] == "not_reproducible"
    assert "not defined in config/geographies.yaml" in claims.loc["N0001", "basis"]
    assert "no force-level counterpart" in claims.loc["N0002", "basis"]


def test_responders_counted_against_the_release(verdicts):
    claims = verdicts([("N0001", "2019", "2018/19", "All", "forces_responded", 2),
                       ("N0002", "2019", "2018/19", "All", "forces_responded", 1)])
    assert claims.loc["N0001", "verdict"] == "reproduced"
    assert claims.loc["N0002", "verdict"] == "contradicted"


def test_printing_precision_helpers():
    assert printed_unit("22") == 1.0 and printed_unit("35.8") == pytest.approx(0.1)
    assert approx_half_width(34000) == 500 and approx_half_width(100) == 5.0 * 10
