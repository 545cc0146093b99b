"""A reviewer can trust, label and cite a run, on the real pipeline: results/ copied without
.snakemake/ never keeps old numbers under a new configuration, a --config run says so on its
first page, both reports and the bundle carry the stamp, a new commit reruns only the stamp and
the reports, and a broken scenario file is named before any job."""
import json
import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
import yaml

from pipeline_helpers import copy_project, scheduled_jobs, snakemake

pytestmark = pytest.mark.pipeline
CHANGE = "assumptions={flag_completeness_ratio_per_year: {dist: fixed, value: 0.9}}"
# two scenarios set flag_completeness_ratio_per_year themselves
ALTERED = "baseline; low_reporting_rate; pessimistic_nonresponse; s15a_excluded"


@pytest.fixture
def run(pipeline_run):
    return pipeline_run


def pdf_text(path, first_page_only=False) -> str:
    """The PDF's text without white space or the break hints of narrow table cells, which wrap
    a long key anywhere (compare with squash(expected))."""
    pages = ["-l", "1"] if first_page_only else []
    text = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return squash(text)


def squash(text: str) -> str:
    return re.sub(r"[\s\u200b]", "", text)


def first_page_of_html(path) -> str:
    html = path.read_text()
    body = html[html.index("</nav>"):]  # after the table of contents
    return re.sub(r"<[^>]+>", "", body[:body.index('id="1.-')])  # before the first chapter


def test_results_copied_without_snakemake_stop_on_a_changed_assumption_before_any_job(run, tmp_path):
    copied = tmp_path / "copied"
    shutil.copytree(run, copied, symlinks=True, ignore=shutil.ignore_patterns(".snakemake"))
    same = snakemake(copied, "-n")
    assert same.returncode == 0, same.stderr[-3000:]
    assert "run_sensitivity" not in scheduled_jobs(same)  # nothing to redo under the same configuration
    changed = snakemake(copied, "--cores", "1", "--config", CHANGE)
    said = changed.stdout + changed.stderr
    assert changed.returncode != 0
    assert "results/ was built with another configuration" in said
    assert ('assumptions.flag_completeness_ratio_per_year: {"dist": "uniform", "low": 0.7937, "high": 1.0} '
            '(results) -> {"dist": "fixed", "value": 0.9} (asked for)') in said
    assert "scenarios that would run differently: baseline, low_reporting_rate, pessimistic_nonresponse, " \
           "s15a_excluded" in said
    assert "Building DAG of jobs" not in said
    # the configuration it was built with, asked for from its own record, runs nothing
    again = snakemake(copied, "-n", "--configfile", "results/run/effective_config.yaml")
    assert again.returncode == 0 and "run_sensitivity" not in scheduled_jobs(again), again.stderr[-3000:]


def test_a_config_run_gives_new_numbers_and_names_its_changes_on_the_first_page(run, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(run, changed, symlinks=True)  # with .snakemake/: Snakemake reruns what the change feeds
    result = snakemake(changed, "--cores", "2", "--config", CHANGE)
    assert result.returncode == 0, result.stderr[-3000:]
    before = pd.read_csv(run / "results/scenarios/baseline/sensitivity.csv")
    after = pd.read_csv(changed / "results/scenarios/baseline/sensitivity.csv")
    assert not before.equals(after)
    effective = yaml.safe_load((changed / "results/run/effective_config.yaml").read_text())
    assert effective["assumptions"]["flag_completeness_ratio_per_year"]["value"] == 0.9
    changes = pd.read_csv(changed / "results/run/config_changes.csv")
    assert changes.to_dict("records") == [{
        "key": "assumptions.flag_completeness_ratio_per_year",
        "default": '{"dist": "uniform", "low": 0.7937, "high": 1.0}', "this_run": '{"dist": "fixed", "value": 0.9}',
        "scenarios_altered": ALTERED}]
    front = first_page_of_html(changed / "results/report/report.html")
    assert "This run does not use the default configuration" in front
    assert "assumptions.flag_completeness_ratio_per_year" in front and ALTERED in front
    page_one = pdf_text(changed / "results/report/report.pdf", first_page_only=True)
    assert squash("does not use the default configuration") in page_one
    assert squash("assumptions.flag_completeness_ratio_per_year") in page_one and squash(ALTERED) in page_one
    stamp = json.loads((changed / "results/run/run_stamp.json").read_text())
    assert stamp["config_hash"] != json.loads((run / "results/run/run_stamp.json").read_text())["config_hash"]
    assert "The configuration is config/config.yaml" in first_page_of_html(run / "results/report/report.html")


def test_the_stamp_is_on_the_first_page_of_both_reports_and_in_the_bundle(run):
    stamp = json.loads((run / "results/run/run_stamp.json").read_text())
    assert stamp["commit"] == "none (not a git checkout)" and stamp["dirty"] is None  # a copy without .git
    pandas = next(p for p in stamp["packages"] if p["package"] == "pandas")
    assert pandas["installed"] == pandas["pinned"] == pd.__version__
    front = first_page_of_html(run / "results/report/report.html")
    assert f"No git commit (not run from a git checkout); configuration hash {stamp['config_hash']}" in front
    page_one = pdf_text(run / "results/report/report.pdf", first_page_only=True)
    assert squash(f"configuration hash {stamp['config_hash']}") in page_one
    assert squash(f"pandas {pd.__version__};") in pdf_text(run / "results/report/report.pdf")  # the list at the end
    bundle_path = run / "stamp_bundle.zip"
    result = snakemake(run, "--report", str(bundle_path))
    assert result.returncode == 0, result.stderr[-3000:]
    with zipfile.ZipFile(bundle_path) as bundle:
        names = bundle.namelist()
        assert {"run_stamp.json", "effective_config.yaml", "effective_scenarios.yaml", "config_changes.csv"} <= {
            n.rsplit("/", 1)[-1] for n in names}
        pages = [bundle.read(n).decode("utf-8", "replace") for n in names if n.endswith((".html", ".js"))]
    assert any(stamp["config_hash"] in page for page in pages)  # the stamp's caption names it


def test_a_new_commit_reruns_the_stamp_and_the_reports_only(run, tmp_path):
    """And the job descriptions, which describe the stamp's job with its params."""
    checkout = tmp_path / "checkout"
    shutil.copytree(run, checkout, symlinks=True)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "Snakefile"], ["commit", "-qm", "synthetic commit"]):
        subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True, env=env)
    dry = snakemake(checkout, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert scheduled_jobs(dry) == {"stamp_run": 1, "render_report": 1, "render_pdf": 1, "ro_crate": 1,
                                   "describe_jobs": 1, "all": 1}  # the crate holds the reports


@pytest.mark.parametrize("content, expected", [
    ("description: synthetic\nassumptions:\n  reporting_rate: {dist: fixed, value: 0.1, source: [a}\n",
     r"config/scenarios/synthetic_bad.yaml, line 3, column \d+: not valid YAML"),
    ("description: synthetic\nassumptions:\n  reporting_rate: {dist: fixed, value: 0.1, source: synthetic, "
     "evidence: [synthetic_no_such_row]}\n",
     r"config/scenarios/synthetic_bad.yaml is invalid:\n  assumptions.reporting_rate.evidence\[0\]: "
     r"'synthetic_no_such_row' is not a parameter of data/raw/under_recording_parameters.csv"),
])
def test_a_scenario_with_bad_yaml_or_an_unknown_evidence_id_is_named_before_any_job(tmp_path, content, expected):
    project = copy_project(tmp_path / "project")
    (project / "config/scenarios/synthetic_bad.yaml").write_text(content)
    result = snakemake(project, "--cores", "1")
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(expected, said), said[-2000:]
    assert "Building DAG of jobs" not in said


def test_an_unknown_evidence_id_on_the_command_line_is_named_before_any_job(tmp_path):
    project = copy_project(tmp_path / "project")
    result = snakemake(project, "--cores", "1", "--config",
                       "assumptions={reporting_rate: {evidence: [synthetic_no_such_row]}}")
    said = result.stdout + result.stderr
    assert result.returncode != 0 and "Building DAG of jobs" not in said
    assert "assumptions.reporting_rate.evidence[0]: 'synthetic_no_such_row' is not a parameter of " \
           "data/raw/under_recording_parameters.csv" in said
