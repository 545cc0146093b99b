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
        claims = check_claims(cleaned.claim_records, cleaned.panel, geography, NAMES, min_coverage_share=0.25,
                              other_vintage_panel=cleaned.other_vintage_panel)
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


def test_a_claim_with_a_malformed_period_is_not_reproducible_saying_why(verdicts):
    claims = verdicts([("N0001", "2016", "2015/17", "All", ONLINE, 1)])
    assert claims.loc["N0001", ["verdict", "basis"]].tolist() == [
        "not_reproducible",
        "period '2015/17' is malformed: fiscal year '2015/17': 2015/17 is not a consecutive pair of years"]


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


# ---- vintages ------------------------------------------------------------------------------

@pytest.fixture
def verdicts_with_a_revised_figure(synthetic_forces, synthetic_population):
    """2015/16: Northshire 100 and Southshire 200 (printed 2017), Eastshire 66 printed in June 2016
    and revised to 80 in June 2017 (the latest release wins: 80)."""
    force_rows = [("F0001", "Northshire", "2015/16", ONLINE, 100, None, "2016-06"),
                  ("F0002", "Southshire", "2015/16", ONLINE, 200, None, "2017-06"),
                  ("F0003", "Eastshire", "2015/16", ONLINE, 66, None, "2016-06"),
                  ("F0004", "Eastshire", "2015/16", ONLINE, 80, None, "2017-06"),
                  ("F0005", "Northshire", "2018/19", ONLINE, 150, None, "2019")]
    return verdicts_against(force_rows, synthetic_forces, synthetic_population)


def test_a_total_equal_to_the_sum_with_an_earlier_vintage_is_consistent_naming_it(verdicts_with_a_revised_figure):
    claims = verdicts_with_a_revised_figure([("N0001", "2016-06-21", "2015/16", "All", ONLINE, 366),
                                             ("N0002", "2016-06-21", "2015/16", "All", ONLINE, 370)])
    claim = claims.loc["N0001"]  # 100 + 200 + 80 = 380 with the latest vintages; 366 with Eastshire's 66
    assert (claim["verdict"], claim["reproduced_value"]) == ("consistent", 366)
    assert claim["note"].startswith("equals the sum with Eastshire's earlier 66 (F0003; 2016-06): 366; with the "
                                    "vintages the panel chose, complete force-level data give 380, not 366")
    assert claim["input_record_ids"] == "F0001;F0002;F0003"
    assert claim["verdict_other_vintage_rule"] == "reproduced"  # the first release chooses 66
    # no vintage gives 370: still contradicted
    assert claims.loc["N0002", ["verdict", "verdict_other_vintage_rule"]].tolist() == ["contradicted", "contradicted"]


def test_a_total_says_how_many_of_its_force_values_were_printed_after_it(verdicts_with_a_revised_figure):
    claims = verdicts_with_a_revised_figure([("N0001", "2016-06-21", "2015/16", "All", ONLINE, 366),
                                             ("N0002", "2019-06", "2018/19", "North", ONLINE, 150)])
    # of the values the panel chose, Southshire's 200 and Eastshire's 80 were printed in June 2017;
    # Northshire's 100 in June 2016 (not after 2016-06-21: the same month, to the precision both have)
    assert claims.loc["N0001", "note"].endswith("2 of 3 force values were printed after this release (2016-06-21)")
    assert claims.loc["N0002", "note"] == "complete force-level data give the published figure"


def test_an_incomplete_total_the_visible_forces_exceed_only_with_the_later_vintage_is_consistent(
        synthetic_forces, synthetic_population):
    claims = verdicts_against([("F0001", "Northshire", "2015/16", ONLINE, 100, None, "2016-06"),
                               ("F0002", "Eastshire", "2015/16", ONLINE, 66, None, "2016-06"),
                               ("F0003", "Eastshire", "2015/16", ONLINE, 80, None, "2017-06")],
                              synthetic_forces, synthetic_population)(
        [("N0001", "2016-06-21", "2015/16", "All", ONLINE, 170)])
    claim = claims.loc["N0001"]  # Southshire is missing; 100 + 80 = 180 already exceeds 170, 100 + 66 does not
    assert (claim["verdict"], claim["reproduced_value"]) == ("consistent", 166)
    assert claim["note"] == ("with Eastshire's earlier 66 (F0002; 2016-06): the missing cells would need to add 4 "
                             "(4.0 each); with the vintages the panel chose, the forces we can see already exceed the "
                             "published total; 1 of 2 force values were printed after this release (2016-06-21)")


def test_the_vintage_search_takes_the_fewest_replacements_and_counts_the_ties():
    from online_csa.claims.vintages import printed_after, search_vintages
    panel = pd.DataFrame({
        "series": ONLINE, "force": ["A", "B", "C"], "fiscal_year": "2015/16", "value": [10, 20, 30],
        "status": "conflicting", "record_ids": ["F0001", "F0002", "F0003"], "child_population": 1000.0,
        "alternatives": ["11 [F0004; 2016-01]", "21 [F0005; 2016-01] | 19 [F0006; 2016-01]", "31 [F0007; 2016-01]"],
        "first_printed": "2017-01", "lower": None, "upper": None})
    cells = CellIndex(panel)

    def exactly(target):
        return lambda comp: (comp.total, "reproduced" if comp.total == target else "contradicted", "")

    one = search_vintages(cells, ONLINE, ["A", "B", "C"], [2015], exactly(61))  # 11+20+30, 10+21+30, 10+20+31
    assert (one.size, one.others, one.described) == (1, 2, "A's earlier 11 (F0004; 2016-01)")
    two = search_vintages(cells, ONLINE, ["A", "B", "C"], [2015], exactly(60 + 1 + 1))
    assert two.size == 2 and two.value == 62
    assert search_vintages(cells, ONLINE, ["A", "B", "C"], [2015], exactly(100)) is None
    assert printed_after("2017-01", "2016-06-21") and not printed_after("2016-06", "2016-06-21")
    assert not printed_after("", "2016-06-21") and not printed_after("2016", "2016-06-21")


def test_a_ratio_below_the_printed_fold_is_contradicted_unrounded(synthetic_forces, synthetic_population):
    claims = verdicts_against([("F0001", "Northshire", "2015/16", ONLINE, 1000, None, "2016"),
                               ("F0002", "Northshire", "2018/19", ONLINE, 1997, None, "2019")],
                              synthetic_forces, synthetic_population)(
        [("N0001", "2019-06", "2015/16-2018/19", "North", f"{ONLINE}_fold_change", 2)])
    assert claims.loc["N0001", ["verdict", "reproduced_value", "note"]].tolist() == [
        "contradicted", 1.997, "ratio 1.997 is below 2"]


# ---- headline checks -------------------------------------------------------------------------

def headline_inputs(synthetic_forces, synthetic_population):
    """Northshire's 2015/16 printed 990 (2016) and revised to 1,000 (2017), and 1,997 in 2018/19: a
    like-for-like ratio of 1.997 on the latest vintage, 2.017 on the first; the release's totals
    1,000 -> 2,040; a +16% to 10,391 against printed 2018/19 totals of 2,040 and 8,656."""
    cleaned = clean_ledger(
        synthetic_force_rows([("F0001", "Northshire", "2015/16", ONLINE, 990, None, "2016"),
                              ("F0002", "Northshire", "2015/16", ONLINE, 1000, None, "2017"),
                              ("F0003", "Northshire", "2018/19", ONLINE, 1997, None, "2019")]),
        synthetic_national_rows([("N0001", "2019-06", "2015/16", "All", ONLINE, 1000),
                                 ("N0002", "2019-06", "2018/19", "All", ONLINE, 2040),
                                 ("N0003", "2019-06", "2015/16-2018/19", "All", f"{ONLINE}_fold_change", 2),
                                 ("N0004", "2019-10", "2018/19", "All", ONLINE, 8656),
                                 ("N0005", "2020-09", "2019/20", "All", ONLINE, 10391),
                                 ("N0006", "2020-09", "2018/19-2019/20", "All", f"{ONLINE}_pct_change", 16)]),
        synthetic_forces, synthetic_population, NO_CORRECTIONS, SERIES, "2015/16", "latest_release", "0-17")
    spec = {
        "doubling": {"series": ONLINE, "from_year": "2015/16", "to_year": "2018/19", "geography": "all3",
                     "published_record": "N0003", "release_from_record": "N0001", "release_to_record": "N0002",
                     "threshold": 2.0},
        "base_year_vintages": {"series": ONLINE, "year": "2015/16", "geography": "all3",
                               "records": ["N0001", "N0001", "N0001"], "compare_with": "N0002",
                               "added_force": "Eastshire"},
        "total_vintages": {"series": ONLINE, "year": "2018/19", "geography": "all3", "records": ["N0002", "N0004"],
                           "extra_forces": 1},
        "percent_change_base": {"period": "2018/19-2019/20", "change_record": "N0006", "end_record": "N0005",
                                "base_records": ["N0002", "N0004"]},
        "s15a_share_of_rise": {"period": "2015/16-2018/19", "from_record": "N0001", "to_record": "N0002",
                               "s15a_record": "N0004", "s15a_year": "2018/19"},
    }
    return cleaned, GeographyMap(GEOGRAPHY, ForceRegister(synthetic_forces)), spec


def test_doubled_is_judged_twice_against_one_unrounded_threshold(synthetic_forces, synthetic_population):
    from online_csa.claims.headline_checks import RecordBook, doubling_like_for_like, doubling_release_totals
    cleaned, geographies, spec = headline_inputs(synthetic_forces, synthetic_population)
    cells, book = CellIndex(cleaned.panel), RecordBook(cleaned.claim_records)
    like = doubling_like_for_like(cells, geographies, book, spec["doubling"])
    totals = doubling_release_totals(geographies, book, spec["doubling"])
    assert (like["claim_id"], like["verdict"], like["reproduced_value"]) == (
        "H01a_doubling_like_for_like", "contradicted", 1.997)
    assert like["note"].startswith("ratio 1.997 is below 2, on a like-for-like set")
    assert (totals["claim_id"], totals["verdict"], totals["reproduced_value"]) == (
        "H01b_doubling_release_totals", "reproduced", 2.04)
    assert totals["input_record_ids"] == "N0001;N0002"
    like = doubling_like_for_like(cells, geographies, book, {**spec["doubling"], "threshold": 1.99})
    assert like["verdict"] == "reproduced"
    totals = doubling_release_totals(geographies, book, {**spec["doubling"], "threshold": 2.05})
    assert totals["verdict"] == "contradicted"  # one threshold, each calculation judged against it


def test_a_change_whose_base_was_never_printed_is_not_reproducible(synthetic_forces, synthetic_population):
    from online_csa.claims.headline_checks import RecordBook, percent_change_base
    cleaned, geographies, spec = headline_inputs(synthetic_forces, synthetic_population)
    cells, book = CellIndex(cleaned.panel), RecordBook(cleaned.claim_records)
    row = percent_change_base(cells, geographies, book, spec["percent_change_base"])
    assert (row["verdict"], row["reproduced_value"]) == ("not_reproducible", 8957.8)
    assert row["note"].startswith("the base the change implies, 10,391 / 1.16 = 8,958, was never printed")
    assert "against 8,656 (N0004, 2019-10, All): +20.0%" in row["basis"]
    # a printed base that gives the change makes it consistent: 10,391 / 8,958 is +16.0%
    printed = cleaned.claim_records.copy()
    printed.loc[printed["record_id"] == "N0004", "value"] = 8958.0
    row = percent_change_base(cells, geographies, RecordBook(printed), spec["percent_change_base"])
    assert (row["verdict"], row["note"]) == ("consistent", "the published base N0004 gives the printed +16%")


def test_headline_verdicts_are_given_under_the_other_vintage_rule_too(synthetic_forces, synthetic_population):
    from online_csa.claims.headline_checks import headline_checks
    cleaned, geographies, spec = headline_inputs(synthetic_forces, synthetic_population)
    rows = headline_checks(cleaned.claim_records, cleaned.panel, geographies, spec,
                           other_vintage_panel=cleaned.other_vintage_panel).set_index("claim_id")
    # the latest vintage (1,000) gives 1.997; the first (990) gives 2.017
    assert rows.loc["H01a_doubling_like_for_like", ["verdict", "verdict_other_vintage_rule"]].tolist() == [
        "contradicted", "reproduced"]
    assert rows.loc["H01b_doubling_release_totals", ["verdict", "verdict_other_vintage_rule"]].tolist() == [
        "reproduced", "reproduced"]
    assert rows["verdict_other_vintage_rule"].notna().all()
    assert headline_checks(cleaned.claim_records, cleaned.panel, geographies, spec)[
        "verdict_other_vintage_rule"].isna().all()


def test_a_percent_change_printed_from_a_losing_vintage_is_consistent_with_it(synthetic_forces, synthetic_population):
    # the 2018/19 figure was printed as 199 and later revised to 119; "+77%" is 112 -> 199
    rows = [("F0001", "Northshire", "2015/16", ONLINE, 112, None, "2016"),
            ("F0002", "Northshire", "2018/19", ONLINE, 199, None, "2019-06"),
            ("F0003", "Northshire", "2018/19", ONLINE, 119, None, "2020-09"),
            ("F0004", "Northshire", "2015/16-2018/19", f"{ONLINE}_pct_change", 77, None, "2019-06")]
    claim = verdicts_against(rows, synthetic_forces, synthetic_population)([]).loc["F0004"]
    assert claim["verdict"] == "consistent" and claim["reproduced_value"] == 6.25  # the chosen 119
    assert "recomputed 77.68 with Northshire's 2018/19 earlier 199 (F0002" in claim["note"]
