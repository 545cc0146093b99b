"""What a reviewer and a student do, on the real pipeline: change an assumption and see only
the affected stages rerun, run named scenarios, get the same bytes twice, read the reports,
run a notebook by hand."""
import os
import re
from collections import Counter
import shutil
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from conftest import ROOT
from online_csa.report.pdf_report import pdf_page_count
from pipeline_helpers import comparable_outputs, copy_project, scheduled_jobs, snakemake

pytestmark = pytest.mark.pipeline
SCENARIOS = ["baseline", "flag_completeness_improving", "low_reporting_rate", "nspcc_reading",
             "pessimistic_nonresponse", "s15a_excluded"]
UPSTREAM = {"verify_raw_data", "clean_ledger", "check_claims", "fit_count_models", "impute_missing_cells",
            "check_calibration", "fit_flag_propensity", "fit_structural_breaks", "notebook_cleaning",
            "notebook_claims", "notebook_models", "notebook_data_and_provenance"}
# What one changed assumption reruns: the sensitivity stage of the scenarios that do not set it,
# the comparison, the chapters that show them (and draw their figures), the explorer (its sliders start at the
# baseline's central values), the reports and the run's crate.
AFTER_AN_ASSUMPTION = {"compare_scenarios": 1, "notebook_sensitivity": 1, "notebook_scenarios": 1, "assumptions_explorer": 1,
                       "notebook_provenance": 1, "describe_jobs": 1, "render_report": 1, "render_pdf": 1,
                       "summarise_findings": 1,
                       "ro_crate": 1, "record_configuration": 1, "stamp_run": 1, "all": 1}


@pytest.fixture
def run(pipeline_run) -> Path:
    return pipeline_run


def scenario_table(run, scenario, name):
    return pd.read_csv(run / "results/scenarios" / scenario / f"{name}.csv")


def test_each_scenario_has_its_own_folder_of_results(run):
    for scenario in SCENARIOS:
        folder = run / "results/scenarios" / scenario
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{t}.csv" for t in ["assumptions", "claim_support", "sensitivity", "tipping_curves", "tipping_points",
                                 "tornado"])
    low = scenario_table(run, "low_reporting_rate", "assumptions").set_index("assumption")
    assert low.loc["reporting_rate", "central"] == pytest.approx(0.07)
    base = scenario_table(run, "baseline", "assumptions").set_index("assumption")
    assert base.loc["reporting_rate", "central"] == pytest.approx(0.125)


def test_the_scenario_comparison_moves_each_metric_as_its_assumptions_imply(run):
    comparison = pd.read_csv(run / "results/tables/scenario_comparison.csv").set_index(["scenario", "metric"])
    assert list(dict.fromkeys(comparison.index.get_level_values(0))) == SCENARIOS
    ratio, later = "adjusted ratio 2018/19 vs 2015/16", "adjusted ratio 2019/20 vs 2018/19"
    iceberg = "iceberg multiplier (offences per recorded flagged offence)"
    # flag ratio per year U(0.4^(1/3), 0.8^(1/3)) against U(0.5^(1/3), 1): the same uniform stream, so every draw
    # is 0.8^(1/3) times the baseline's, and over the three years 0.8 times
    assert comparison.loc[("flag_completeness_improving", ratio), "median_vs_baseline"] == pytest.approx(0.8, abs=1e-4)
    # the reporting-rate level moves the iceberg, never a ratio
    assert comparison.loc[("low_reporting_rate", ratio), "median_vs_baseline"] == pytest.approx(1.0, abs=1e-12)
    assert comparison.loc[("low_reporting_rate", iceberg), "median_vs_baseline"] > 1.5
    # the NSPCC's reading adjusts no ratio: adjusted equals recorded
    nspcc = scenario_table(run, "nspcc_reading", "sensitivity")
    joint = nspcc[nspcc["variant"] == "all assumptions drawn"].set_index("metric")
    assert joint.loc[ratio, "median"] == pytest.approx(joint.loc["recorded ratio 2018/19 vs 2015/16", "median"])
    # without s.15A the 2015/16 to 2018/19 rise shrinks; 2019/20 has no published s.15A count, so no ratio
    assert comparison.loc[("s15a_excluded", ratio), "median"] < comparison.loc[("baseline", ratio), "median"]
    assert pd.isna(comparison.loc[("s15a_excluded", later), "median"])
    support = pd.read_csv(run / "results/tables/scenario_claim_support.csv")
    rise = support[(support["claim_id"] == "H01b_doubling_release_totals") & (support["threshold"] == 1.0)]
    shares = rise.set_index("scenario")["share_holding_adjusted"]
    assert shares["nspcc_reading"] > shares["baseline"] > shares["flag_completeness_improving"]


def test_changing_one_assumption_reruns_only_the_sensitivity_stage_and_what_follows(run, tmp_path):
    extra = tmp_path / "reviewer.yaml"
    extra.write_text("assumptions:\n  flag_completeness_ratio_per_year: {dist: fixed, value: 0.9}\n")
    dry = snakemake(run, "-n", "--configfile", "config/config.yaml", str(extra))
    assert dry.returncode == 0, dry.stderr[-3000:]
    # two scenarios set flag_completeness_ratio_per_year themselves, so four of six rerun
    assert scheduled_jobs(dry) == {"run_sensitivity": 4, **AFTER_AN_ASSUMPTION}
    # the jobs' output lines (describe_jobs' changed params name every scenario's paths too)
    rerun = set(re.findall(r"output: results/scenarios/(\w+)/sensitivity.csv", dry.stdout))
    assert rerun == {"baseline", "low_reporting_rate", "pessimistic_nonresponse", "s15a_excluded"}


def test_the_same_change_on_the_command_line_reruns_the_same_stages(run):
    dry = snakemake(run, "-n", "--config", "assumptions={flag_completeness_ratio_per_year: {dist: fixed, value: 0.9}}")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert scheduled_jobs(dry) == {"run_sensitivity": 4, **AFTER_AN_ASSUMPTION}
    draws = snakemake(run, "-n", "--config", "monte_carlo={draws: 20000}")  # a number, given as text
    assert draws.returncode == 0, draws.stderr[-3000:]
    assert scheduled_jobs(draws)["run_sensitivity"] == 6
    assert not UPSTREAM & set(scheduled_jobs(draws))


def test_editing_one_scenario_reruns_that_scenario_only(run, tmp_path):
    copy = tmp_path / "edited"
    shutil.copytree(run, copy, symlinks=True)
    path = copy / "config/scenarios/low_reporting_rate.yaml"
    path.write_text(path.read_text().replace("median: 0.07", "median: 0.08"))
    dry = snakemake(copy, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = scheduled_jobs(dry)
    assert jobs["run_sensitivity"] == 1 and "output: results/scenarios/low_reporting_rate/" in dry.stdout
    assert not UPSTREAM & set(jobs) and "notebook_sensitivity" not in jobs  # the baseline is untouched


@pytest.mark.parametrize("args, expected", [
    (["--config", "monte_carlo={draws: -5}"], "monte_carlo.draws: -5 is less than the minimum of 100"),
    (["--config", "assumptions={reporting_rate: {low: 0.3, high: 0.2}}"],
     "assumptions.reporting_rate.low: 0.3 must be below"),
    (["--config", "montecarlo={draws: 5}"], "montecarlo: unknown key"),
])
def test_a_config_error_stops_before_any_job_and_names_the_key(run, args, expected):
    result = snakemake(run, "--cores", "1", *args)
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in said
    assert "Building DAG of jobs" not in said


def test_a_bad_scenario_file_stops_the_run_naming_the_file(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "config/scenarios/synthetic_bad.yaml").write_text(
        "description: synthetic\nassumptions:\n  reporting_rate: {dist: fixed, value: 1.7, source: test}\n")
    result = snakemake(project, "-n")
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "config/scenarios/synthetic_bad.yaml is invalid" in said
    assert "assumptions.reporting_rate.value: 1.7 is greater than the maximum of 1" in said
    assert "Building DAG of jobs" not in said


def test_two_runs_from_clean_trees_give_the_same_bytes(run, tmp_path):
    second = copy_project(tmp_path / "second")
    result = snakemake(second, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    first, again = comparable_outputs(run), comparable_outputs(second)
    assert len(first) > 40 and set(first) == set(again)
    assert [name for name in first if first[name] != again[name]] == []


def test_the_pdf_has_every_chapter(run):
    pdf = (run / "results/report/report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf_page_count(pdf) >= 20


def test_the_pdf_is_a_searchable_paper_copy_that_opens_with_the_findings(run):
    from test_reports_and_notebook_context import pdf_text

    pdf = run / "results/report/report.pdf"
    findings = pd.read_csv(run / "results/tables/findings.csv")
    assert "\u200b" not in pdf_text(pdf)
    assert "F0070" in pdf_text(pdf)  # Norfolk's 168, a record the findings cite
    page_one = " ".join(pdf_text(pdf, 1).split())
    # the claim's cell wraps inside the table, so pdftotext interleaves it with its neighbours: each word is there
    assert all(word in page_one for word in findings["claim"].iloc[0].split()) and "Findings" in page_one
    assert findings["records"].iloc[0].split(";")[0] in page_one
    # the whole findings table fits the first page: its last row and last record id are on it
    assert all(word in page_one for word in findings["claim"].iloc[-1].split())
    assert findings["records"].iloc[-1].split(";")[-1] in page_one
    # Figure 1 follows the table, on page 1 or at the top of page 2 with nothing before it (the figure
    # is an image, so the first text of its page is its caption)
    page_two = " ".join(pdf_text(pdf, 2).split())
    assert "Figure 1." in page_one or page_two.startswith("Figure 1.")
    assert "Figure 2." not in page_one + page_two


def test_the_html_report_opens_with_the_findings_and_fetches_nothing(run):
    html = (run / "results/report/report.html").read_text()
    assert re.search(r"<(script|img|iframe)[^>]*\ssrc=[\"']?https?:", html) is None
    assert re.search(r"<link[^>]*href=[\"']?https?:", html) is None
    assert re.search(r"(import\s*\(?|from)\s*[\"']https?:", html) is None
    order = ["id='findings'", "1. The data and where they come from<a class", "id=\"explore-the-assumptions\"",
             "Appendix: provenance of every number<a class"]
    assert [html.index(marker) for marker in order] == sorted(html.index(marker) for marker in order)


def test_the_report_records_config_seed_versions_and_checksums(run):
    html = (run / "results/report/report.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Seeds and package versions" in text and "20190625" in text
    assert re.search(r"<td>pandas</td>\s*<td>2\.3\.3</td>", html)
    assert "vintage_rule: latest_release" in text  # the configuration as the run saw it
    registry = pd.read_csv(ROOT / "data/sources.csv")
    assert all(sha in html for sha in registry["sha256"])


def test_the_provenance_bundle_has_every_table_and_figure_with_a_caption(run):
    result = snakemake(run, "--report", "bundle.zip")
    assert result.returncode == 0, result.stderr[-3000:]
    with zipfile.ZipFile(run / "bundle.zip") as bundle:
        names = bundle.namelist()
    # the bundle stores each file as data/raw/<hash>/<file name>
    expected = Counter(p.name for pattern in ["results/tables/*.csv", "results/scenarios/*/*.csv",
                                              "results/figures/*.png"] for p in run.glob(pattern))
    bundled = Counter(Path(n).name for n in names if "/data/raw/" in n)
    assert sum(expected.values()) > 60
    assert {name: count for name, count in expected.items() if bundled[name] < count} == {}
    captions = sorted((ROOT / "workflow/report").glob("*.rst"))
    assert [c.name for c in captions if not c.read_text().strip()] == []


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))
def test_a_student_can_run_each_notebook_by_hand_against_the_outputs(run, notebook):
    path = run / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(run / "workflow")
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                       ).execute()
    finally:
        if env_before is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = env_before
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("text/html" in o.get("data", {}) or "image/png" in o.get("data", {}) for o in outputs) >= 2


def rule_graph_edges(run) -> dict[str, set[str]]:
    """{rule: the rules that read its outputs}, from Snakemake's own rule graph."""
    dot = snakemake(run, "--rulegraph").stdout
    labels = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot, re.MULTILINE))
    edges = {name: set() for name in labels.values()}
    for upstream, downstream in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.MULTILINE):
        edges[labels[upstream]].add(labels[downstream])
    return edges


def test_editing_one_module_per_subpackage_reruns_the_rules_that_import_it_and_what_follows(run, tmp_path):
    from test_code_dependencies import PACKAGE, finder_files, rule_entries

    copy = tmp_path / "edited"
    shutil.copytree(run, copy, symlinks=True)
    edges, entries = rule_graph_edges(copy), rule_entries()
    for module in ["raw_data/checksums.py", "cleaning/raw_values.py", "claims/headline_checks.py",
                   "models/structural_breaks.py", "sensitivity/scenario_comparison.py", "figures/model_figures.py",
                   "report/pdf_report.py", "common/tables.py", "rule_support/pipeline_job.py"]:
        importers = {rule for rule, entry in entries.items() if module in finder_files(entry)}  # the oracle
        assert importers, module
        expected, todo = set(), list(importers)
        while todo:
            rule = todo.pop()
            if rule not in expected:
                expected.add(rule)
                todo.extend(edges.get(rule, ()))
        path = copy / "workflow/online_csa" / module
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited by the test\n")
        dry = snakemake(copy, "-n")
        path.write_bytes(original)
        assert dry.returncode == 0, dry.stderr[-3000:]
        assert set(scheduled_jobs(dry)) == expected, module
