"""Bad and awkward input, one case per test: each ends in a quarantine row naming the record and
the field, or in a panel cell whose status and note say what was printed. Never a silent zero.
(Checksums, missing files, malformed ledgers and duplicated record_ids: test_raw_data.py; config
errors: test_config_and_scenarios.py; a run killed mid-stage: test_reliability.py.)"""
import numpy as np
import pandas as pd
import pytest

from conftest import synthetic_national_rows
from online_csa.models.imputation import force_year_estimates, impute_missing_cells
from online_csa.models.negative_binomial import fit_negative_binomial, truncated_poisson
from online_csa.cleaning.raw_values import GAP_COST_LIMIT, GAP_NOT_HELD, interpret_value
from test_claims import verdicts, verdicts_against  # noqa: F401 (verdicts: a fixture)
from test_cleaning_rules import ONLINE, cell, clean


def rejected_row(result, record_id):
    rows = result.rejected[result.rejected["record_id"] == record_id]
    assert len(rows) == 1, f"{record_id} should be rejected exactly once"
    return rows.iloc[0]


@pytest.mark.parametrize("force, year, value, date, field, reason, detail", [
    ("Jerseyshire", "2016/17", "40", "2017-06", "force", "unknown_force", "'Jerseyshire' (England) is not in"),
    ("Northshire", "2016-18", "40", "2017-06", "fiscal_year", "invalid_fiscal_year", "2016-18"),
    ("Northshire", "2017 (calendar year)", "40", "2018-06", "fiscal_year", "invalid_fiscal_year",
     "is not a fiscal year"),
    ("Northshire", "2019/20", "40", "2019-06", "fiscal_year", "future_year", "2019/20 had not ended on the source date"),
    ("Northshire", "2016/17", "-3", "2017-06", "value", "invalid_value", "value -3 is negative"),
    ("Northshire", "2016/17", "12.5", "2017-06", "value", "invalid_value", "not a whole number"),
    ("Northshire", "2016/17", "about forty", "2017-06", "value", "invalid_value", "'about forty' is not a number"),
    ("Northshire", "2016/17", "<0", "2017-06", "value", "invalid_value", "'<0' is below zero"),
])
def test_a_bad_ledger_row_is_quarantined_naming_record_field_and_reason(synthetic_forces, synthetic_population, force,
                                                                        year, value, date, field, reason, detail):
    result = clean([("F0001", force, year, ONLINE, value, None, date),
                    ("F0002", "Southshire", "2016/17", ONLINE, "7", None, "2017-06")],
                   synthetic_forces, synthetic_population)
    row = rejected_row(result, "F0001")
    assert (row["source_file"], row["field"], row["reason"]) == ("force_figures.csv", field, reason)
    assert detail in row["detail"]
    assert cell(result, "Southshire", "2016/17")["value"] == 7  # the good row still lands


@pytest.mark.parametrize("written", ["2016/17", "2016-17", "2016/2017", "2016-2017"])
def test_a_fiscal_year_written_in_a_common_way_is_a_panel_cell(synthetic_forces, synthetic_population, written):
    result = clean([("F0001", "Northshire", written, ONLINE, "40", None, "2017-06")], synthetic_forces,
                   synthetic_population)
    assert result.rejected.empty
    row = cell(result, "Northshire", "2016/17")
    assert (row["value"], row["status"], row["record_ids"]) == (40, "observed", "F0001")


@pytest.mark.parametrize("period", ["Apr 2017-Sep 2018 (18 months)", "YE Jun 2017", "Apr-Jun 2020 (3 months)",
                                    "Apr 2017-Mar 2018"])
def test_a_count_over_a_range_of_months_is_a_claim_never_rejected(synthetic_forces, synthetic_population, period):
    result = clean([("F0001", "Northshire", period, ONLINE, "40", None, "2021-06")], synthetic_forces,
                   synthetic_population)
    assert result.rejected.empty and result.panel["value"].isna().all()
    assert result.claim_records.set_index("record_id").loc["F0001", "fiscal_year"] == period


def test_a_month_range_is_checked_where_it_covers_whole_fiscal_years(verdicts):
    claims = verdicts([("N0001", "2016-06", "Apr 2015-Mar 2016", "All", ONLINE, 366),
                       ("N0002", "2019-06", "Apr 2017-Sep 2018 (18 months)", "All", ONLINE, 500),
                       ("N0003", "2017-06", "YE Jun 2016", "All", ONLINE, 300)])
    assert claims.loc["N0001", ["verdict", "reproduced_value"]].tolist() == ["reproduced", 366]  # = 2015/16
    assert claims.loc["N0002", "verdict"] == "not_reproducible"
    assert claims.loc["N0002", "basis"] == "covers Apr 2017-Sep 2018, not whole fiscal years"
    assert claims.loc["N0003", "basis"] == "covers Jul 2015-Jun 2016, not whole fiscal years"


def implausible_ledger(value, accepted=None):
    """Northshire's online counts over four years (40 to 50, then `value`), Southshire's for the last,
    and a national total of 400; `accepted` reviews F0004 in config/corrections.csv."""
    rows = [("F0001", "Northshire", "2015/16", ONLINE, "40", None, "2016-06"),
            ("F0002", "Northshire", "2016/17", ONLINE, "44", None, "2017-06"),
            ("F0003", "Northshire", "2017/18", ONLINE, "50", None, "2018-06"),
            ("F0004", "Northshire", "2018/19", ONLINE, value, None, "2019-06"),
            ("F0005", "Southshire", "2018/19", ONLINE, "70", None, "2019-06")]
    national = synthetic_national_rows([("N0001", "2019-06", "2018/19", "England and Wales", ONLINE, "400")])
    corrections = pd.DataFrame([{"record_id": "F0004", "action": "accept", "reason": accepted}] if accepted else [],
                               columns=["record_id", "action", "reason"])
    return rows, national, corrections


@pytest.mark.parametrize("value, rules", [
    ("99999999999", ["child population: 99,999,999,999 is more than the 100,000 children (0-17) in Northshire in "
                     "mid-2018", "the force's other years", "national total"]),
    # 20 x the median 44 of the other years is 880; the national total is 400
    ("881", ["the force's other years: 881 is more than 20 times 44.0, the median of Northshire's 3 other printed "
             "years of online_child_sexual_offences (2015/16, 2016/17, 2017/18)",
             "national total: 881 is more than the largest published total of online_child_sexual_offences, "
             "400 (N0001)"]),
    ("401", ["national total: 401 is more than the largest published total"]),
])
def test_an_implausible_count_is_quarantined_naming_the_rule_and_the_numbers(synthetic_forces, synthetic_population,
                                                                            value, rules):
    rows, national, corrections = implausible_ledger(value)
    result = clean(rows, synthetic_forces, synthetic_population, national=national, corrections=corrections)
    row = rejected_row(result, "F0004")
    assert (row["field"], row["reason"]) == ("value", "implausible_value")
    parts = row["detail"].split("; ")
    assert len(parts) == len(rules) and all(part.startswith(rule) for part, rule in zip(parts, rules))
    quarantined = cell(result, "Northshire", "2018/19")
    assert quarantined["status"] == "missing"
    # a source printed it: the cell says the value was set aside, not "no source in the ledger"
    assert quarantined["note"] == "F0004 quarantined as implausible_value (rejected.csv names the rule)"
    assert cell(result, "Northshire", "2017/18")["note"] == ""
    assert result.routing.set_index("record_id").loc["F0004", "role"] == "implausible_value"


def test_a_quarantined_vintage_beside_a_kept_one_is_named_in_the_cells_note(synthetic_forces, synthetic_population):
    rows, national, corrections = implausible_ledger("99999999999")
    rows.append(("F0006", "Northshire", "2018/19", ONLINE, "52", None, "2019-10"))
    result = clean(rows, synthetic_forces, synthetic_population, national=national, corrections=corrections)
    kept = cell(result, "Northshire", "2018/19")
    assert (kept["value"], kept["status"], kept["record_ids"]) == (52, "observed", "F0006")
    assert kept["note"] == "F0004 quarantined as implausible_value (rejected.csv names the rule)"


def test_a_plausible_jump_passes_the_screen(synthetic_forces, synthetic_population):
    rows, national, corrections = implausible_ledger("400")  # nine times the other years, at the national total
    result = clean(rows, synthetic_forces, synthetic_population, national=national, corrections=corrections)
    assert result.rejected.empty and cell(result, "Northshire", "2018/19")["value"] == 400


def test_a_reviewed_implausible_count_is_accepted_and_says_so(synthetic_forces, synthetic_population):
    rows, national, corrections = implausible_ledger("881", accepted="checked with the force: a real spike")
    result = clean(rows, synthetic_forces, synthetic_population, national=national, corrections=corrections)
    assert result.rejected.empty
    row = cell(result, "Northshire", "2018/19")
    assert (row["value"], row["status"]) == (881, "observed")
    assert row["note"] == ("value 881 accepted after review (config/corrections.csv): checked with the force: "
                           "a real spike")


def test_a_suppressed_star_is_an_interval_never_a_zero(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Northshire", "2016/17", ONLINE, "*", None, "2017-06")],
                     synthetic_forces, synthetic_population), "Northshire", "2016/17")
    assert row["status"] == "suppressed" and pd.isna(row["value"]) and pd.isna(row["rate_per_100k"])
    assert (row["lower"], row["upper"], row["record_ids"]) == (1, 4, "F0001")
    assert row["note"] == "suppressed small count, between 1 and 4"


def test_a_less_than_five_is_read_literally_as_zero_to_four(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Eastshire", "2017/18", ONLINE, "<5", None, "2018-06")],
                     synthetic_forces, synthetic_population), "Eastshire", "2017/18")
    assert (row["status"], row["lower"], row["upper"]) == ("suppressed", 0, 4)


def test_a_thousands_separator_is_a_count(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Southshire", "2018/19", ONLINE, "1,234", None, "2019-06")],
                     synthetic_forces, synthetic_population), "Southshire", "2018/19")
    assert (row["value"], row["status"]) == (1234, "observed")
    assert interpret_value("1,234").note == "printed '1,234' with a thousands separator"
    assert interpret_value("12,34").problem == "value '12,34' is not a number"  # not a thousands separator


@pytest.mark.parametrize("printed, reason", [
    ("not held", GAP_NOT_HELD), ("Information not held", GAP_NOT_HELD),
    ("Exceeds cost limit", GAP_COST_LIMIT), ("Refused (s.12)", GAP_COST_LIMIT), ("section 12 refusal", GAP_COST_LIMIT),
])
def test_not_held_and_cost_limit_refusals_are_gaps_with_their_reason(synthetic_forces, synthetic_population, printed,
                                                                      reason):
    row = cell(clean([("F0001", "Northshire", "2018/19", ONLINE, printed, None, "2019-06")],
                     synthetic_forces, synthetic_population), "Northshire", "2018/19")
    assert (row["status"], row["note"]) == ("not_provided", reason)
    assert pd.isna(row["value"])


def test_two_values_in_one_release_are_a_visible_conflict(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Southshire", "2017/18", ONLINE, "60", None, "2018-06"),
                      ("F0002", "Southshire", "2017/18", ONLINE, "66", None, "2018-06")],
                     synthetic_forces, synthetic_population), "Southshire", "2017/18")
    assert (row["status"], row["value"], row["alternatives"]) == ("conflicting", 66, "60 [F0001; 2018-06]")
    assert "same release month and as many sources" in row["note"]


def test_a_suppressed_value_beside_a_number_keeps_both_visible(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Southshire", "2017/18", ONLINE, "*", None, "2018-06"),
                      ("F0002", "Southshire", "2017/18", ONLINE, "3", None, "2019-06")],
                     synthetic_forces, synthetic_population), "Southshire", "2017/18")
    assert (row["status"], row["value"]) == ("conflicting", 3)
    assert row["alternatives"] == "between 1 and 4 [F0001; 2018-06]"


def test_a_suppressed_national_figure_is_a_claim_without_a_value(synthetic_forces, synthetic_population):
    national = synthetic_national_rows([("N0001", "2019-06", "2018/19", "England and Wales", ONLINE, "*")])
    result = clean([], synthetic_forces, synthetic_population, national=national)
    claim = result.claim_records.set_index("record_id").loc["N0001"]
    assert pd.isna(claim["value"]) and claim["value_text"] == "*"


def test_a_national_figure_printed_without_a_number_is_not_reproducible_never_contradicted(verdicts):
    claims = verdicts([("N0001", "2016-06", "2015/16", "All", ONLINE, "*"),
                       ("N0002", "2019-06", "2018/19", "All", ONLINE, "not held")])
    for claim_id, printed in [("N0001", "*"), ("N0002", "not held")]:
        assert claims.loc[claim_id, "verdict"] == "not_reproducible"
        assert claims.loc[claim_id, "basis"] == f"the source printed {printed!r}, not a number: there is no figure to check"


def test_every_panel_status_has_a_colour_in_the_coverage_figure():
    from online_csa.figures.data_figures import STATUS_COLOURS
    from online_csa.cleaning.panel import STATUSES
    assert tuple(STATUS_COLOURS) == STATUSES


def test_truncated_poisson_draws_stay_in_bounds_with_the_right_mean():
    rng = np.random.default_rng(0)
    draws = truncated_poisson(np.full((200_000, 2), 2.0), np.array([1, 0]), np.array([4, 4]), rng)
    assert draws.min() == 0 and draws[:, 0].min() == 1 and draws.max() == 4
    k = np.arange(1, 5)
    pmf = 2.0 ** k / np.array([1, 2, 6, 24])
    assert draws[:, 0].mean() == pytest.approx((k * pmf).sum() / pmf.sum(), abs=0.01)  # 1.94


def synthetic_model_frame() -> pd.DataFrame:
    """Ten made-up forces over five years; one cell printed as a suppressed count, one missing."""
    rng = np.random.default_rng(3)
    rows = []
    for f in range(10):
        for year in range(2015, 2020):
            rows.append({"series": "s", "force": f"Synthetic {f}", "fiscal_year": f"{year}/{(year + 1) % 100:02d}",
                         "year": year, "status": "observed", "value": float(rng.poisson(30 * 1.2 ** (year - 2015))),
                         "observed": True, "population": 1e5, "log_population": np.log(1e5), "population_note": "",
                         "record_ids": "F", "lower": np.nan, "upper": np.nan})
    frame = pd.DataFrame(rows)
    frame.loc[3, ["status", "value", "observed", "lower", "upper"]] = ["suppressed", np.nan, False, 1.0, 4.0]
    frame.loc[7, ["status", "value", "observed"]] = ["missing", np.nan, False]
    return frame


def test_a_suppressed_cell_is_imputed_inside_its_bounds():
    frame = synthetic_model_frame()
    fit = fit_negative_binomial(frame[frame["observed"]])
    imputation = impute_missing_cells(frame, fit, [], draws=2000, seed=1)
    suppressed, missing = imputation.draws[:, 3], imputation.draws[:, 7]
    assert suppressed.min() >= 1 and suppressed.max() <= 4  # the model predicts about 36: the bounds win
    assert missing.mean() > 20  # an ordinary missing cell follows the model
    assert imputation.cells.loc[3, "method"] == "nb_prediction; within the suppressed bounds"
    estimates = force_year_estimates(imputation)
    assert estimates.loc[3, "record_ids"] == "F" and estimates.loc[7, "record_ids"] == ""  # the bounds' source


def test_calibration_skips_a_cell_without_which_the_model_is_not_identified():
    from online_csa.models.calibration import leave_one_out_calibration
    frame = synthetic_model_frame()
    frame = frame[frame["year"] < 2019].copy()
    # a synthetic area seen in 2016/17 and in a year nobody else reports (2019/20)
    extra = frame.iloc[[0, 0]].copy()
    extra["force"], extra["year"], extra["fiscal_year"], extra["value"] = "Synthetic lone", [2016, 2019], \
        ["2016/17", "2019/20"], [12.0, 15.0]
    frame = pd.concat([frame, extra], ignore_index=True)
    calibration = leave_one_out_calibration(frame[frame["observed"]], "year_effects", "pearson", 200, 1)
    lone = calibration[calibration["force"] == "Synthetic lone"].set_index("fiscal_year")
    assert lone.loc["2016/17", "note"].startswith("without this cell the model is not identified")
    assert lone.loc["2019/20", "note"] == "year has no other observation: not estimable"
    assert calibration["covered"].notna().sum() == len(calibration) - 2


@pytest.fixture
def verdicts_with_a_suppressed_cell(synthetic_forces, synthetic_population):
    """Three made-up forces in 2015/16 and 2018/19; Eastshire printed '*' (between 1 and 4) both years."""
    force_rows = [("F0001", "Northshire", "2015/16", ONLINE, 100, None, "2016"),
                  ("F0002", "Southshire", "2015/16", ONLINE, 200, None, "2016"),
                  ("F0003", "Eastshire", "2015/16", ONLINE, "*", None, "2016"),
                  ("F0004", "Northshire", "2018/19", ONLINE, 150, None, "2019"),
                  ("F0005", "Southshire", "2018/19", ONLINE, 250, None, "2019"),
                  ("F0006", "Eastshire", "2018/19", ONLINE, "*", None, "2019")]
    return verdicts_against(force_rows, synthetic_forces, synthetic_population)


@pytest.mark.parametrize("published, verdict, note", [
    (302, "consistent", "complete force-level data give between 301 and 304 (1 suppressed cell counted at its "
                        "bounds); the published figure lies within"),
    (304, "consistent", "the published figure lies within"),
    (300, "contradicted", "complete force-level data give between 301 and 304 (1 suppressed cell counted at its "
                          "bounds), not 300"),
    (310, "contradicted", "not 310"),
])
def test_a_total_over_a_suppressed_cell_is_judged_against_the_range_it_allows(verdicts_with_a_suppressed_cell,
                                                                             published, verdict, note):
    claims = verdicts_with_a_suppressed_cell([("N0001", "2016-06", "2015/16", "All", ONLINE, published)])
    claim = claims.loc["N0001"]
    assert claim["verdict"] == verdict and note in claim["note"]
    assert claim["reproduced_value"] == 301  # the least the known cells can sum to
    assert "301 to 304 with the suppressed cells (Eastshire 2015/16: 1 to 4)" in claim["basis"]
    assert claim["input_record_ids"] == "F0001;F0002;F0003"  # the suppressed cell's record is an input too


def test_a_suppressed_cell_never_counts_as_zero_in_a_total(verdicts_with_a_suppressed_cell):
    # 300 would be 'reproduced' if the '*' were read as zero
    assert verdicts_with_a_suppressed_cell([("N0001", "2019-06", "2018/19", "All", ONLINE, 400)]).loc[
        "N0001", "verdict"] == "contradicted"
    assert verdicts_with_a_suppressed_cell([("N0001", "2019-06", "2018/19", "All", ONLINE, 403)]).loc[
        "N0001", "verdict"] == "consistent"


def test_a_negative_percent_change_is_a_published_fall_routed_to_claims_not_rejected(synthetic_forces,
                                                                                    synthetic_population):
    result = clean([("F0001", "Northshire", "2016/17-2017/18", f"{ONLINE}_pct_change", "-18", "a drop of 18%",
                     "2018-06")], synthetic_forces, synthetic_population)
    assert "F0001" not in set(result.rejected["record_id"])
    claim = result.claim_records.set_index("record_id").loc["F0001"]
    assert claim["value"] == -18 and claim["measure"] == f"{ONLINE}_pct_change"


def test_an_empty_value_with_a_reason_is_a_gap_not_provided(synthetic_forces, synthetic_population):
    row = cell(clean([("F0001", "Northshire", "2016/17", ONLINE, None,
                       "not provided: the force failed to provide figures", "2017-06")],
                     synthetic_forces, synthetic_population), "Northshire", "2016/17")
    assert row["status"] == "not_provided" and pd.isna(row["value"]) and row["record_ids"] == "F0001"
