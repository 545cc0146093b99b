"""The cleaning rules on small hand-made (synthetic) ledgers, asserting values."""
import pandas as pd
import pytest

from online_csa.cleaning.clean_ledger import clean_ledger
from online_csa.cleaning.panel import choose_version, release_key
from conftest import NO_CORRECTIONS, SERIES, synthetic_force_rows, synthetic_national_rows

ONLINE = "online_child_sexual_offences"


def clean(rows, synthetic_forces, synthetic_population, national=None, corrections=NO_CORRECTIONS,
          rule="latest_release"):
    national = national if national is not None else synthetic_national_rows([])
    return clean_ledger(synthetic_force_rows(rows), national, synthetic_forces, synthetic_population, corrections,
                        SERIES, "2015/16", rule, "0-17")


def cell(result, force, year, series=ONLINE):
    panel = result.panel
    return panel[(panel["series"] == series) & (panel["force"] == force) & (panel["fiscal_year"] == year)].iloc[0]


def test_identical_figures_from_several_outlets_are_one_observation(synthetic_forces, synthetic_population):
    result = clean([("F0001", "Northshire", "2016/17", ONLINE, 40, None, "2017-06"),
                    ("F0002", "Northshire", "2016/17", ONLINE, 40, None, "2017-06-02")],
                   synthetic_forces, synthetic_population)
    row = cell(result, "Northshire", "2016/17")
    assert (row["value"], row["status"], row["record_ids"], row["alternatives"]) == (40, "observed", "F0001;F0002", "")
    assert row["rate_per_100k"] == pytest.approx(40.0)  # 40 per 100,000 children


def test_revised_vintage_latest_release_wins_and_loser_is_kept(synthetic_forces, synthetic_population):
    rows = [("F0001", "Southshire", "2015/16", ONLINE, 85, None, "2016-06"),
            ("F0002", "Southshire", "2015/16", ONLINE, 114, None, "2017-06-07"),
            ("F0003", "Southshire", "2015/16", ONLINE, 114, None, "2019-06-25")]
    latest = cell(clean(rows, synthetic_forces, synthetic_population), "Southshire", "2015/16")
    assert (latest["value"], latest["status"], latest["record_ids"]) == (114, "conflicting", "F0002;F0003")
    assert latest["alternatives"] == "85 [F0001; 2016-06]"
    first = cell(clean(rows, synthetic_forces, synthetic_population, rule="first_release"), "Southshire", "2015/16")
    assert (first["value"], first["record_ids"]) == (85, "F0001")
    assert first["alternatives"] == "114 [F0002; F0003; 2019-06-25]"


def test_a_tie_in_release_month_goes_to_the_more_cited_value(synthetic_forces, synthetic_population):
    rows = [("F0001", "Northshire", "2018/19", ONLINE, 66, None, "2020-09"),
            ("F0002", "Northshire", "2018/19", ONLINE, 67, None, "2020-09"),
            ("F0003", "Northshire", "2018/19", ONLINE, 66, None, "2020-09-03")]
    row = cell(clean(rows, synthetic_forces, synthetic_population), "Northshire", "2018/19")
    assert (row["value"], row["record_ids"]) == (66, "F0001;F0003")
    assert "more sources" in row["note"]


def test_an_empty_value_is_a_gap_with_its_reason_never_a_zero(synthetic_forces, synthetic_population):
    result = clean([("F0001", "Eastshire", "2018/19", ONLINE, None, "no response", "2019-06")],
                   synthetic_forces, synthetic_population)
    row = cell(result, "Eastshire", "2018/19")
    assert pd.isna(row["value"]) and pd.isna(row["rate_per_100k"])
    assert (row["status"], row["note"], row["record_ids"]) == ("not_provided", "no response", "F0001")


def test_a_later_withdrawal_beats_an_earlier_figure_and_keeps_it(synthetic_forces, synthetic_population):
    rows = [("F0001", "Northshire", "2015/16", ONLINE, 13, None, "2016-06"),
            ("F0002", "Northshire", "2015/16", ONLINE, None, "not available", "2017-06")]
    row = cell(clean(rows, synthetic_forces, synthetic_population), "Northshire", "2015/16")
    assert pd.isna(row["value"]) and row["status"] == "conflicting"
    assert row["alternatives"] == "13 [F0001; 2016-06]"


def test_every_cell_of_the_grid_exists_with_missing_and_not_applicable(synthetic_forces, synthetic_population):
    result = clean([("F0001", "Northshire", "2018/19", ONLINE, 5, None, "2019")], synthetic_forces,
                   synthetic_population)
    panel = result.panel
    assert len(panel) == 3 * 3 * 4  # series x forces x years 2015/16..2018/19
    assert cell(result, "Southshire", "2016/17")["status"] == "missing"
    s15a = "sexual_communication_with_child_offences"
    assert cell(result, "Southshire", "2016/17", s15a)["status"] == "not_applicable"
    assert cell(result, "Southshire", "2017/18", s15a)["status"] == "missing"


def test_spans_and_derived_measures_become_claims_not_panel_values(synthetic_forces, synthetic_population):
    result = clean([("F0001", "Northshire", "2015/16-2018/19", ONLINE, 400, None, "2019"),
                    ("F0002", "Northshire", "2015/16-2018/19", f"{ONLINE}_pct_change", 44, None, "2019"),
                    ("F0003", "Northshire", "2017/18 (Apr-Oct 2017)", ONLINE, 20, None, "2019"),
                    ("F0004", "Northshire", "2018/19", ONLINE, 100, None, "2019")],
                   synthetic_forces, synthetic_population)
    assert sorted(result.claim_records["record_id"]) == ["F0001", "F0002", "F0003"]
    assert result.panel["value"].sum() == 100


def test_unknown_force_and_out_of_scope_rows_are_rejected_with_reasons(synthetic_forces, synthetic_population):
    rows = [("F0001", "Westshire", "2018/19", ONLINE, 5, None, "2019"),
            ("F0002", "South & Co", "2018/19", ONLINE, 6, None, "2019"),
            ("F0003", "Northshire", "2018/19", "grooming_offences_home_office", 7, None, "2019"),
            ("F0004", "Northshire", "2013/14", ONLINE, 8, None, "2019"),
            ("F0005", "Northshire", "2018/19", ONLINE, "12.5", None, "2019"),
            ("F0006", "Northshire", "2019/21", ONLINE, 9, None, "2019")]
    result = clean(rows, synthetic_forces, synthetic_population)
    rejected = result.rejected.set_index("record_id")
    assert rejected.loc["F0001", ["reason", "field"]].tolist() == ["unknown_force", "force"]
    assert "'Westshire'" in rejected.loc["F0001", "detail"]
    assert rejected.loc["F0003", "reason"] == "measure_out_of_scope"
    assert rejected.loc["F0004", "reason"] == "before_panel_start"
    assert rejected.loc["F0005", ["reason", "field"]].tolist() == ["invalid_value", "value"]
    assert rejected.loc["F0006", ["reason", "field"]].tolist() == ["invalid_fiscal_year", "fiscal_year"]
    assert cell(result, "Southshire", "2018/19")["value"] == 6  # alias spelling resolved


def test_reviewed_corrections_exclude_rows_visibly(synthetic_forces, synthetic_population):
    corrections = pd.DataFrame([{"record_id": "F0001", "action": "exclude", "reason": "a different measure"}])
    result = clean([("F0001", "Northshire", "2018/19", ONLINE, 5, None, "2019"),
                    ("F0002", "Southshire", "2018/19", ONLINE, 6, None, "2019")], synthetic_forces,
                   synthetic_population, corrections=corrections)
    assert result.rejected.set_index("record_id").loc["F0001", ["reason", "detail"]].tolist() == [
        "excluded_by_correction", "a different measure"]
    assert cell(result, "Northshire", "2018/19")["status"] == "missing"


def test_corrections_accept_exclude_and_accept_and_refuse_anything_else(tmp_path):
    from online_csa.cleaning.routing import corrections_by_action, read_corrections
    path = tmp_path / "corrections.csv"
    path.write_text("record_id,action,reason\nF0001,exclude,a different measure\nF0002,accept,checked with the force\n")
    corrections = read_corrections(path)
    assert corrections_by_action(corrections, "accept") == {"F0002": "checked with the force"}
    assert corrections_by_action(corrections, "exclude") == {"F0001": "a different measure"}
    path.write_text("record_id,action,reason\nF0001,keep,looks fine\n")
    with pytest.raises(ValueError, match="line 2, field 'action': 'keep' is not a known action \\(exclude, accept\\)"):
        read_corrections(path)
    path.write_text("record_id,action,reason\nF0001,exclude,one\nF0001,accept,two\n")
    with pytest.raises(ValueError, match="line 3: record F0001 has a second entry"):
        read_corrections(path)


def test_no_row_is_lost_or_counted_twice(synthetic_forces, synthetic_population):
    rows = [("F0001", "Northshire", "2016/17", ONLINE, 40, None, "2017"),
            ("F0002", "Northshire", "2016/17", ONLINE, 41, None, "2018"),
            ("F0003", "Westshire", "2016/17", ONLINE, 1, None, "2018"),
            ("F0004", "Northshire", "2015/16-2016/17", f"{ONLINE}_pct_change", 3, None, "2018"),
            ("F0005", "Eastshire", "2016/17", ONLINE, None, "not provided", "2018")]
    national = synthetic_national_rows([("N0001", "2018-01", "2016/17", "Somewhere", ONLINE, 99)])
    result = clean(rows, synthetic_forces, synthetic_population, national=national)
    routing = result.routing
    assert routing["record_id"].is_unique
    assert sorted(routing["record_id"]) == ["F0001", "F0002", "F0003", "F0004", "F0005", "N0001"]
    assert routing.set_index("record_id")["role"].to_dict() == {
        "F0001": "alternative", "F0002": "value", "F0003": "unknown_force", "F0004": "claim", "F0005": "gap",
        "N0001": "claim"}


def test_release_keys_sort_undated_first_and_by_month():
    assert release_key(None) == (0, 0, 0)
    assert release_key("2019") < release_key("2019-06") < release_key("2019-06-25") < release_key("2020-01")


def test_unknown_vintage_rule_is_refused():
    with pytest.raises(ValueError, match="unknown vintage rule"):
        choose_version([{}, {}], "median")
