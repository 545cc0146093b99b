"""Claim verdicts on a synthetic panel of three forces (hand-made numbers)."""
import pandas as pd
import pytest

from online_csa.claims import checks
from online_csa.claims.cell_index import CellIndex
from online_csa.claims.check_claims import check_claim, check_claims
from online_csa.claims.checks import CHECKS, check_for_kind
from online_csa.claims.claim_context import ClaimContext
from online_csa.claims.claim_records import claim_geography, collapse_claim_records
from online_csa.claims.verdicts import approx_half_width, printed_unit
from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.common.forces import ForceRegister
from online_csa.common.geographies import GeographyMap
from online_csa.common.measures import KINDS
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
        claims = check_claims(cleaned.claim_records, cleaned.panel, geography, NAMES, min_coverage_share=0.25)
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


# ---- the dispatch table -------------------------------------------------------------------

def test_every_checkable_kind_of_measure_has_a_check():
    assert set(CHECKS) == set(KINDS) - {"other"}
    assert all(callable(check) and check.__name__ == f"check_{kind}" for kind, check in CHECKS.items())


def test_a_kind_without_a_check_is_an_error_naming_it():
    assert check_for_kind("per_day") is checks.check_per_day
    with pytest.raises(KeyError, match="no claim check for measure kind 'per_week'"):
        check_for_kind("per_week")


def synthetic_context(synthetic_forces, synthetic_population, national_rows=()):
    """(ClaimContext, collapsed claims by claim_id) for one force's 2018/19 counts and share, and the
    given national rows."""
    cleaned = clean_ledger(synthetic_force_rows([
        ("F0001", "Northshire", "2018/19", ONLINE, 150, None, "2019"),
        ("F0002", "Northshire", "2018/19", "child_sexual_offences_all", 1000, None, "2019"),
        ("F0003", "Northshire", "2018/19", "online_share_of_child_sexual_offences_pct", 15, None, "2019")]),
        synthetic_national_rows(list(national_rows)), synthetic_forces, synthetic_population, NO_CORRECTIONS,
        SERIES, "2015/16", "latest_release", "0-17")
    geographies = GeographyMap(GEOGRAPHY, ForceRegister(synthetic_forces))
    claims = collapse_claim_records(cleaned.claim_records, geographies)
    return ClaimContext.from_claims(claims, cleaned.panel, geographies, NAMES, 0.25), claims.set_index("claim_id")


def test_a_claim_reaches_the_check_of_its_kind_through_the_table(synthetic_forces, synthetic_population, monkeypatch):
    context, claims = synthetic_context(synthetic_forces, synthetic_population,
                                        [("N0001", "2019", "2018/19", "North", f"{ONLINE}_per_day", 1),
                                         ("N0002", "2019", "2018/19", "North", "nca_referrals", 1)])
    seen = []
    monkeypatch.setitem(CHECKS, "per_day", lambda *args: seen.append(args[1].name) or {"verdict": "consistent"})
    result = check_claim(context, claims.loc["N0001"])
    assert seen == ["N0001"] and (result["kind"], result["verdict"]) == ("per_day", "consistent")
    # 'other' has no check: not reproducible without consulting the table
    other = check_claim(context, claims.loc["N0002"])
    assert (other["kind"], other["verdict"]) == ("other", "not_reproducible")


def test_a_claim_speaks_for_its_force_or_for_the_geography_its_label_maps_to(synthetic_forces, synthetic_population):
    context, claims = synthetic_context(synthetic_forces, synthetic_population,
                                        [("N0001", "2019", "2018/19", "North", ONLINE, 150),
                                         ("N0002", "2019", "2018/19", "Atlantis", ONLINE, 1)])
    assert claim_geography(claims.loc["F0003"], context.geographies).id == "force:Northshire"
    north = claim_geography(claims.loc["N0001"], context.geographies)
    assert (north.id, north.forces) == ("north", ("Northshire",))
    assert claim_geography(claims.loc["N0002"], context.geographies) is None


# ---- the panel's cells --------------------------------------------------------------------

def synthetic_panel_cells() -> CellIndex:
    """Four forces over 2015/16 and 2018/19: figures, a revised figure, a suppressed count, a gap."""
    rows = [("A", "2015/16", 10, "observed"), ("A", "2018/19", 20, "observed"),
            ("B", "2015/16", 5, "conflicting"), ("B", "2018/19", 7, "observed"),
            ("C", "2015/16", None, "suppressed"), ("C", "2018/19", 9, "observed"),
            ("D", "2015/16", 4, "observed"), ("D", "2018/19", None, "not_provided")]
    panel = pd.DataFrame(rows, columns=["force", "fiscal_year", "value", "status"]).assign(
        series=ONLINE, record_ids=[f"F{i:04d}" for i in range(1, 9)], child_population=1000.0)
    panel["lower"] = panel["upper"] = None
    panel.loc[panel["status"] == "suppressed", ["lower", "upper"]] = [1.0, 4.0]
    return CellIndex(panel)


def test_forces_with_figures_in_both_years_skip_suppressed_and_missing_cells():
    cells = synthetic_panel_cells()
    assert cells.forces_with_figures_in_both(ONLINE, ["D", "C", "B", "A"], 2015, 2018) == ["B", "A"]
    assert cells.forces_with_figures_in_both(ONLINE, ["A", "B"], 2015, 2019) == []
    assert cells.value(ONLINE, "B", 2015) == 5.0 and cells.value(ONLINE, "C", 2015) is None
    assert cells.panel_years == (2015, 2018)


def test_components_count_a_suppressed_cell_within_its_bounds_only_when_asked():
    cells = synthetic_panel_cells()
    comp = cells.components(ONLINE, ["A", "C", "D"], [2015, 2020], bounds=True)
    assert comp.total == 14.0 and comp.total_range == (15.0, 18.0)
    assert comp.describe_missing() == "outside_panel: A 2020/21, C 2020/21, D 2020/21"
    assert cells.components(ONLINE, ["C"], [2015]).missing == [("C", 2015, "suppressed")]
    assert cells.coverage(comp, ["A", "C", "D"], [2015, 2020]) == 0.5


def test_a_force_percent_change_marked_a_lower_bound_by_its_qualifier_is_judged_as_one(synthetic_forces,
                                                                                      synthetic_population):
    rows = [("F0001", "Northshire", "2015/16", ONLINE, 6, None, "2016"),
            ("F0002", "Northshire", "2016/17", ONLINE, 43, None, "2017"),
            ("F0003", "Southshire", "2015/16", ONLINE, 38, None, "2016"),
            ("F0004", "Southshire", "2016/17", ONLINE, 58, None, "2017"),
            # 'more than 50 percent' for 38 -> 58 (+52.6%): a bound, not an exact figure
            ("F0005", "Southshire", "2015/16-2016/17", f"{ONLINE}_pct_change", 50,
             "lower bound: printed as 'more than 50 percent'", "2017"),
            # 6 -> 43 printed as 716%: the ratio 7.17 x 100, not the change (+617%)
            ("F0006", "Northshire", "2015/16-2016/17", f"{ONLINE}_pct_change", 716, "misprinted", "2017")]
    claims = verdicts_against(rows, synthetic_forces, synthetic_population)([])
    bound = claims.loc["F0005"]
    assert bound["verdict"] == "reproduced" and bound["reproduced_value"] == 52.63
    assert "a lower bound, as the ledger's qualifier says" in bound["note"]
    misprint = claims.loc["F0006"]
    assert misprint["verdict"] == "contradicted" and misprint["reproduced_value"] == 616.67
    assert "(43 - 6) / 6 = +616.7%" in misprint["note"]
    assert "the ratio 43 / 6 = 7.17 written as a percentage" in misprint["note"]


def test_bounds_read_from_the_qualifier_and_the_arithmetic_of_a_misprint():
    from online_csa.claims.checks import change_arithmetic
    from online_csa.common.measures import bound_from_qualifier

    assert bound_from_qualifier("lower bound: printed as 'over 90%'") == "lower"
    assert bound_from_qualifier("Upper bound: at most") == "upper"
    assert bound_from_qualifier("printed as 'a lower bound of sorts'") is None
    assert bound_from_qualifier(None) is None
    assert change_arithmetic(54, 81, 151, 1.0) == "from 81 to 151 the change is (151 - 81) / 81 = +86.4%"
    assert change_arithmetic(18, 63, 77, 1.0).endswith("divided by the later year's 77 instead of the earlier year's")
