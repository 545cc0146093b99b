"""Run the whole DAG on the real ledger in a temporary copy and check its outputs against
facts that can be read straight off the ledger."""
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT

from pipeline_helpers import snakemake

pytestmark = pytest.mark.pipeline


@pytest.fixture
def run(pipeline_run) -> Path:
    return pipeline_run


def table(run, name):
    return pd.read_csv(run / "results/tables" / f"{name}.csv", dtype={"record_ids": str}, keep_default_na=False)


def test_norfolk_2018_19_is_168_from_record_f0070(run):
    panel = table(run, "panel")
    norfolk = panel[(panel["force"] == "Norfolk") & (panel["fiscal_year"] == "2018/19")
                    & (panel["series"] == "online_child_sexual_offences")].iloc[0]
    assert (norfolk["value"], norfolk["status"], norfolk["record_ids"]) == ("168", "observed", "F0070")
    assert float(norfolk["rate_per_100k"]) == pytest.approx(168 / 170810 * 1e5, abs=1e-3)


def test_panel_covers_every_force_and_year(run):
    panel = table(run, "panel")
    forces = pd.read_csv(ROOT / "data/raw/police_forces.csv")
    assert set(panel["force"]) == set(forces["force"])
    assert sorted(panel["fiscal_year"].unique())[0] == "2014/15"
    assert sorted(panel["fiscal_year"].unique())[-1] == "2022/23"
    assert len(panel) == 3 * 46 * 9


def test_revised_vintages_keep_the_losing_value(run):
    panel = table(run, "panel").set_index(["series", "force", "fiscal_year"])
    west_mercia = panel.loc[("online_child_sexual_offences", "West Mercia", "2015/16")]
    assert (west_mercia["value"], west_mercia["status"]) == ("114", "conflicting")
    assert west_mercia["alternatives"] == "85 [F0116; 2016-06]"
    northumbria = panel.loc[("online_child_sexual_offences", "Northumbria", "2015/16")]
    assert (northumbria["value"], northumbria["alternatives"]) == ("98", "170 [F0084; 2016-06]")


def test_every_ledger_row_ends_in_exactly_one_place(run):
    routing = table(run, "ledger_routing")
    ledger_ids = set(pd.read_csv(ROOT / "data/raw/force_figures.csv")["record_id"]) | set(
        pd.read_csv(ROOT / "data/raw/national_figures.csv")["record_id"])
    assert routing["record_id"].is_unique
    assert set(routing["record_id"]) == ledger_ids
    claims, rejected = table(run, "claims"), table(run, "rejected")
    in_claims = {i for ids in claims.loc[claims["level"] != "headline", "record_ids"] for i in ids.split(";")}
    assert in_claims == set(routing.loc[routing["destination"] == "claims", "record_id"])
    assert set(rejected["record_id"]) == set(routing.loc[routing["destination"] == "rejected", "record_id"])
    assert rejected.set_index("record_id").loc["F0050", "reason"] == "unknown_force"  # Jersey


def test_the_2015_16_base_appears_in_three_vintages(run):
    claims = table(run, "claims")
    base = claims[(claims["measure"] == "online_child_sexual_offences") & (claims["fiscal_year"] == "2015/16")
                  & claims["claim_id"].isin(["N0005", "N0014", "N0038"])]
    assert sorted(base["published_value"].astype(float)) == [3186, 3903, 4042]
    headline = claims.set_index("claim_id")
    assert float(headline.loc["H02b_base_2015_16_adds_northern_ireland", "reproduced_value"]) == 3903 + 138


def test_headline_verdicts(run):
    claims = table(run, "claims").set_index("claim_id")
    # "doubled": 1.997 on the like-for-like forces is below 2; the release's own totals give 2.035
    assert claims.loc["H01a_doubling_like_for_like", "verdict"] == "contradicted"
    assert float(claims.loc["H01a_doubling_like_for_like", "reproduced_value"]) == pytest.approx(4795 / 2401, abs=1e-4)
    assert "ratio 1.997 is below 2" in claims.loc["H01a_doubling_like_for_like", "note"]
    # the first-release vintages (Durham's 13, West Mercia's 85, ...) give 2,385 -> 5,361 = 2.248
    assert claims.loc["H01a_doubling_like_for_like", "note"].endswith(
        "; with the other vintage rule: 2.2478, reproduced")
    assert claims.loc["H01b_doubling_release_totals", "verdict"] == "reproduced"
    assert float(claims.loc["H01b_doubling_release_totals", "reproduced_value"]) == pytest.approx(8224 / 4042, abs=1e-4)
    assert claims.loc["H01a_doubling_like_for_like", "verdict_other_vintage_rule"] == "reproduced"
    assert "8,224 / 3,186 = 2.58; 8,224 / 3,903 = 2.11; 8,224 / 4,042 = 2.03" in claims.loc[
        "H02a_base_2015_16_first_revision", "note"]
    # "+16%": the base it implies was never printed, so nothing published contradicts it
    assert claims.loc["H04_plus16_to_10391", "verdict"] == "not_reproducible"
    assert "+26.3%" in claims.loc["H04_plus16_to_10391", "basis"]
    assert "10,391 / 1.16 = 8,958, was never printed" in claims.loc["H04_plus16_to_10391", "note"]
    # Wales 2014/15: 328 + 389 + 398 + 637 = 1,752 with Gwent's 389 of March 2016; 2,069 with its later 706
    assert claims.loc["N0097", "verdict"] == "consistent" and float(claims.loc["N0097", "reproduced_value"]) == 1752
    assert "equals the sum with Gwent's other vintage 389 (F0336, F0348; 2016-03-09)" in claims.loc["N0097", "note"]
    assert "19 of 26 force values were printed after this release (2016-06-21)" in claims.loc["N0005", "note"]
    assert float(claims.loc["H05_s15a_could_account_for_rise", "reproduced_value"]) == pytest.approx(4373 / 4182,
                                                                                                     abs=1e-4)
    # "22 a day": 8,224 / 365 = 22.53, printed truncated
    assert claims.loc["N0051", "verdict"] == "reproduced"
    assert "22.53 truncated" in claims.loc["N0051", "note"]
    # "8 a day" in 2015/16 uses the 366 days of that fiscal year
    assert "366" in claims.loc["N0008", "basis"]
    assert claims.loc["N0046", "verdict"] == "reproduced"  # Wales 2018/19: 133 + 229 + 214 = 576


def test_report_has_every_section_real_numbers_and_no_machine_paths(run):
    html = (run / "results/report/report.html").read_text()
    for heading in ["1. The data and where they come from", "2. Cleaning", "3. The claims, checked",
                    "4. Models: the forces and years nobody printed", "5. Sensitivity: the tip of the iceberg",
                    "6. Scenarios: the same claims", "Appendix: provenance of every number"]:
        assert heading in html
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64", html)) >= 4
    assert "8,224" in html and "snakemake-job-properties" not in html
    assert str(run) not in html


def test_snakemake_report_and_noop(run):  # the lint: tests/test_workflow_rules.py
    report = snakemake(run, "--report", "results/report/snakemake_report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    assert (run / "results/report/snakemake_report.html").stat().st_size > 100_000
    noop = snakemake(run, "-n")
    assert "Nothing to be done" in noop.stdout + noop.stderr


def test_a_tampered_raw_file_stops_the_run_and_names_the_file(run, tmp_path):
    copy = tmp_path / "tampered"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("results", ".snakemake"))
    path = copy / "data/raw/force_figures.csv"
    path.write_text(path.read_text().replace("F0070,Norfolk,England,2018/19,online_child_sexual_offences,168",
                                             "F0070,Norfolk,England,2018/19,online_child_sexual_offences,186"))
    result = snakemake(copy, "--cores", "1", "results/tables/panel.csv")
    assert result.returncode != 0
    log = (copy / "results/logs/verify_raw_data.log").read_text()
    assert "data/raw/force_figures.csv: sha256 is" in log
    assert not (copy / "results/tables/panel.csv").exists()


def test_models_on_the_real_ledger(run):
    cells = pd.read_csv(run / "results/tables/force_year_estimates.csv")
    norfolk = cells[(cells["series"] == "online_child_sexual_offences") & (cells["force"] == "Norfolk")
                    & (cells["fiscal_year"] == "2018/19")].iloc[0]
    assert (norfolk["method"], norfolk["estimate"], norfolk["lower_90"]) == ("observed", 168, 168)
    assert norfolk["record_ids"] == "F0070"  # an observed cell cites the ledger record it came from
    imputed = cells[cells["method"].str.startswith("mixed_nb_selection")]
    assert len(imputed) > 200
    assert ((imputed["lower_90"] <= imputed["estimate"]) & (imputed["estimate"] <= imputed["upper_90"])).all()
    national = pd.read_csv(run / "results/tables/national_estimates.csv").set_index(["series", "geography", "fiscal_year"])
    row = national.loc[("online_child_sexual_offences", "ewni", "2018/19")]
    assert float(row["lower_90"]) >= 8224  # N0050: 40 responding forces printed 8,224; the other 4 add to it
    # every draw meets N0050 for its 40 responders, so no draw of the 44 forces falls below it
    calibration = pd.read_csv(run / "results/tables/calibration.csv").set_index(["series", "model", "scheme"])
    totals = calibration.loc[("online_child_sexual_offences", "new: mixed NB with selection factor",
                              "leave-one-total-out: all totals")]
    assert totals["scored"] >= 20 and totals["coverage"] >= 0.8  # the target for left-out totals
    previous = calibration.loc[("online_child_sexual_offences", "previous: fixed effects and rescaling",
                                "leave-one-total-out: all totals")]
    assert previous["coverage"] < totals["coverage"]
    for model in ("new: mixed NB with selection factor", "previous: fixed effects and rescaling"):
        one_out = calibration.loc[("online_child_sexual_offences", model, "leave-one-cell-out (no totals)")]
        assert one_out["scored"] >= 80 and 0.8 <= one_out["coverage"] <= 1.0  # every printed cell, refitted without it
    # the printed-cell width target like for like: the method it came from, rerun, and the new model where it
    # holds as many held-out cells
    widths = pd.read_csv(run / "results/tables/printed_cell_width_comparison.csv").set_index(["series", "model"])
    reference = widths.loc[("online_child_sexual_offences", "before the mixed model: fixed effects, "
                                                            "maximum-likelihood alpha")]
    assert reference["coverage"] < 0.85 and abs(reference["width"] - 1.6) < 0.1
    new = widths.loc[("online_child_sexual_offences", "new: mixed NB with selection factor")]
    assert new["coverage"] >= 0.88 and new["width_at_matched_coverage"] < new["width"]
    assert new["width_ratio_range_min"] <= new["width_ratio"] <= new["width_ratio_range_max"]
    assert 0.85 < new["width_ratio_range_median"] < 1.2  # about as sharp as the reference where both cover as often
    assert new["replicates"] >= 4 and 0 < new["width_ratio_replicate_sd"] < 0.1
    structures = pd.read_csv(run / "results/tables/model_structure_checks.csv").set_index(["series", "structure"])
    online = structures.loc["online_child_sexual_offences"]
    assert len(online) == 3 and not online["supported"].any() and not online["kept_by_likelihood_ratio_test"].any()


def test_tipping_point_of_doubling_is_about_half_by_arithmetic_and_by_model(run):
    tips = pd.read_csv(run / "results/scenarios/baseline/tipping_points.csv")
    flag = tips[(tips["claim_id"] == "H01b_doubling_release_totals") & (tips["threshold"] == 1.0)
                & (tips["assumption"] == "flag_completeness_ratio_per_year") & (tips["others_at"] == "neutral")]
    by_method = flag.set_index("method")["tipping_ratio_over_span"].astype(float)
    arithmetic = by_method[[m for m in by_method.index if m.startswith("arithmetic")][0]]
    assert arithmetic == pytest.approx(4042 / 8224)  # 0.49
    assert by_method["model: median of imputed totals"] == pytest.approx(arithmetic, abs=0.05)


def test_the_run_handed_its_script_jobs_to_the_job_server(run):
    """The cold run's script jobs ran in forks of the job server, whose log names each one; the server imported
    the late modules the run's jobs import as they load (the plan Snakemake sent it), and no other."""
    log = (run / ".snakemake/job_server.log").read_text()
    # scipy.stats: model_structures' likelihood-ratio test imports it as it loads (statsmodels.api imports it too)
    assert "late modules, as planned: pandera.pandas, scipy.stats, statsmodels.api\n" in log
    served = re.findall(r"^job \d+: (.+)$", log, flags=re.M)
    scripts = {Path(line).name.split(".", 1)[1] for line in served}  # Snakemake names them tmp<random>.<script>
    assert {"clean_ledger.py", "impute_missing_cells.py", "run_sensitivity.py", "execute_notebook.py",
            "render_report.py"} <= scripts
    assert len(served) >= 30
