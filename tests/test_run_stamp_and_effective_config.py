"""Which run is this, and does results/ match the configuration asked for: the effective
configuration, stale results without .snakemake/, the stamp, the first page's notice, the
data-availability statement and errors named before any job. synthetic_* data only."""
import base64
import json
import subprocess

import nbformat
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from online_csa.configuration.effective import (EFFECTIVE_CONFIG, EFFECTIVE_SCENARIOS, config_changes, config_hash,
                                                grouped_differences, stale_results_error)
from online_csa.configuration.scenarios import load_scenarios
from online_csa.configuration.validation import ConfigError, check_config, read_yaml
from online_csa.report.data_availability import data_availability_markdown
from online_csa.report.html_report import render_html
from online_csa.report.pdf_report import report_markup
from online_csa.report.run_stamp import (NOT_A_CHECKOUT, front_page_markdown, git_state,
                                         packages_markdown, pinned_packages, run_stamp)

SCHEMA_PATH = ROOT / "workflow/schemas/config.schema.yaml"
SYNTHETIC_CONFIG = {"assumptions": {"reporting_rate": {"dist": "uniform", "low": 0.1, "high": 0.2, "source": "s"}},
                    "monte_carlo": {"draws": 100, "seed": 1}, "claims": {"min_coverage_share": 0.25}}
SYNTHETIC_SCENARIOS = {"baseline": {"overrides": [], "assumptions": SYNTHETIC_CONFIG["assumptions"]},
                       "synthetic_low": {"overrides": ["reporting_rate"], "assumptions": {}}}


def store(workdir, config, scenarios):
    (workdir / "results/run").mkdir(parents=True, exist_ok=True)
    (workdir / EFFECTIVE_CONFIG).write_text(yaml.safe_dump(config))
    (workdir / EFFECTIVE_SCENARIOS).write_text(yaml.safe_dump(scenarios))


def changed(config, value=0.7):
    out = json.loads(json.dumps(config))
    out["assumptions"]["reporting_rate"] = {"dist": "fixed", "value": value, "source": "s"}
    return out


def test_an_assumption_differs_as_one_whole_distribution():
    rows = grouped_differences(SYNTHETIC_CONFIG, changed(SYNTHETIC_CONFIG))
    assert [r[0] for r in rows] == ["assumptions.reporting_rate"]
    assert rows[0][2] == {"dist": "fixed", "value": 0.7, "source": "s"}
    assert grouped_differences(SYNTHETIC_CONFIG, SYNTHETIC_CONFIG) == []


def test_results_without_snakemake_records_and_another_configuration_stop_naming_the_key(tmp_path):
    store(tmp_path, SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS)
    assert stale_results_error(SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS, tmp_path) == ""  # the same: go on
    message = stale_results_error(changed(SYNTHETIC_CONFIG), SYNTHETIC_SCENARIOS, tmp_path)
    assert "assumptions.reporting_rate: " in message and '{"dist": "fixed", "value": 0.7} (asked for)' in message
    assert "--forceall" in message and f"--configfile {EFFECTIVE_CONFIG}" in message
    assert stale_results_error(changed(SYNTHETIC_CONFIG), SYNTHETIC_SCENARIOS, tmp_path, forced=True) == ""
    # with Snakemake's record of the stored file, its params trigger reruns what changed
    record = tmp_path / ".snakemake/metadata" / base64.urlsafe_b64encode(EFFECTIVE_CONFIG.encode()).decode()
    record.parent.mkdir(parents=True)
    record.write_text("{}")
    assert stale_results_error(changed(SYNTHETIC_CONFIG), SYNTHETIC_SCENARIOS, tmp_path) == ""


def test_a_changed_scenario_is_named_and_a_fresh_results_folder_is_not_checked(tmp_path):
    assert stale_results_error(SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS, tmp_path) == ""  # nothing stored yet
    store(tmp_path, SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS)
    edited = {**SYNTHETIC_SCENARIOS, "synthetic_low": {"overrides": ["reporting_rate"],
                                                       "assumptions": {"reporting_rate": {"dist": "fixed",
                                                                                          "value": 0.05}}}}
    message = stale_results_error(SYNTHETIC_CONFIG, edited, tmp_path)
    assert "scenarios.synthetic_low.assumptions.reporting_rate: (absent) (results)" in message
    assert "scenarios that would run differently: synthetic_low" in message


def test_the_configuration_hash_ignores_key_order_and_sees_values():
    reordered = dict(reversed(list(SYNTHETIC_CONFIG.items())))
    assert config_hash(reordered, SYNTHETIC_SCENARIOS) == config_hash(SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS)
    assert config_hash(changed(SYNTHETIC_CONFIG), SYNTHETIC_SCENARIOS) != config_hash(SYNTHETIC_CONFIG,
                                                                                     SYNTHETIC_SCENARIOS)


def test_config_changes_name_the_key_the_values_and_the_scenarios_altered():
    effective = changed(SYNTHETIC_CONFIG)
    effective["assumptions"]["reporting_rate"]["source"] = "changed by the user"  # text only: not a change
    effective["monte_carlo"]["draws"] = 500
    effective["claims"]["min_coverage_share"] = 0.5
    rows = {r["key"]: r for r in config_changes(effective, SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS)}
    assert set(rows) == {"assumptions.reporting_rate", "monte_carlo.draws", "claims.min_coverage_share"}
    assert rows["assumptions.reporting_rate"]["default"] == '{"dist": "uniform", "low": 0.1, "high": 0.2}'
    assert rows["assumptions.reporting_rate"]["this_run"] == '{"dist": "fixed", "value": 0.7}'
    assert rows["assumptions.reporting_rate"]["scenarios_altered"] == "baseline"  # synthetic_low sets its own
    assert rows["monte_carlo.draws"]["scenarios_altered"] == "baseline; synthetic_low"
    assert rows["claims.min_coverage_share"]["scenarios_altered"].startswith("not a scenario setting")
    assert config_changes(SYNTHETIC_CONFIG, SYNTHETIC_CONFIG, SYNTHETIC_SCENARIOS) == []


def synthetic_stamp(dirty=False):
    return run_stamp("0123abcd", dirty, "feedc0ffee", [
        {"package": "synthetic-a", "pinned": "1.0", "installed": "1.0", "marker": ""},
        {"package": "synthetic-b", "pinned": "2.0", "installed": "2.1", "marker": ""},
        {"package": "synthetic-c", "pinned": "3.0", "installed": "not installed",
         "marker": 'python_version == "3.12"'}])


def test_the_first_page_names_the_run_and_every_change():
    changes = [{"key": "assumptions.reporting_rate", "default": "{...}", "this_run": '{"dist": "fixed"}',
                "scenarios_altered": "baseline"}]
    text = front_page_markdown(synthetic_stamp(dirty=True), changes)
    assert "Commit `0123abcd` (with uncommitted changes); configuration hash `feedc0ffee`" in text
    assert "2 of the 3 pinned packages installed; **not as pinned**: synthetic-b 2.1 (pinned 2.0)" in text
    assert "does not use the default configuration" in text
    assert '| assumptions.reporting_rate | {...} | {"dist": "fixed"} | baseline |' in text
    assert "1 setting differs from" in text
    unchanged = front_page_markdown(synthetic_stamp(), [])
    assert "(clean working tree)" in unchanged and "`config/config.yaml`'s, unchanged" in unchanged
    assert "synthetic-c not installed (pinned 3.0)" in packages_markdown(synthetic_stamp())


def synthetic_chapter(path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 1. Synthetic chapter\n\nText.")])
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, path)
    return str(path)


def test_both_reports_carry_the_stamp_first_and_the_packages_last(tmp_path):
    chapter = synthetic_chapter(tmp_path / "chapter.ipynb")
    front, back = front_page_markdown(synthetic_stamp(), []), packages_markdown(synthetic_stamp())
    html = render_html([chapter], "Synthetic", front=front, back=back)
    body = html[html.index("</nav>"):]  # after the table of contents
    assert body.index("feedc0ffee") < body.index("Synthetic chapter") < body.index("synthetic-a 1.0")
    typst = report_markup([chapter], "Synthetic", tmp_path / "figures", 10, front, back)
    assert typst.index("feedc0ffee") < typst.index("#outline") < typst.index("Synthetic chapter")
    assert typst.index("Synthetic chapter") < typst.index("synthetic-a 1.0")  # pandoc leaves a hyphen as it is


def test_pinned_packages_are_read_from_the_lock_and_the_environment(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text(f"# synthetic lock\npandas=={pd.__version__}\n"
                    "synthetic-not-a-package==1.0 ; python_version < '3'\n")
    rows = pinned_packages(lock)
    assert rows == [{"package": "pandas", "pinned": pd.__version__, "installed": pd.__version__, "marker": ""},
                    {"package": "synthetic-not-a-package", "pinned": "1.0", "installed": "not installed",
                     "marker": "python_version < '3'"}]


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin"})


def test_git_state_gives_the_commit_and_whether_the_tree_is_dirty(tmp_path):
    assert git_state(tmp_path) == {"commit": NOT_A_CHECKOUT, "dirty": None}
    git(tmp_path, "init", "-q")
    (tmp_path / "synthetic.txt").write_text("a\n")
    git(tmp_path, "add", "synthetic.txt")
    git(tmp_path, "commit", "-qm", "synthetic")
    state = git_state(tmp_path)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert state == {"commit": head.stdout.strip(), "dirty": False}
    (tmp_path / "synthetic.txt").write_text("b\n")
    assert git_state(tmp_path)["dirty"] is True
    (tmp_path / "sub").mkdir()
    assert git_state(tmp_path / "sub")["commit"] == NOT_A_CHECKOUT  # inside a checkout, not its top level


def test_a_scenario_file_that_is_not_yaml_is_named_with_its_line(tmp_path):
    bad = tmp_path / "synthetic_bad.yaml"
    bad.write_text("description: synthetic\nassumptions:\n  reporting_rate: {dist: fixed, value: 0.1, source: [a}\n")
    with pytest.raises(ConfigError, match=r"synthetic_bad.yaml, line 3, column \d+: not valid YAML"):
        read_yaml(bad)
    config = check_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()), SCHEMA_PATH)
    with pytest.raises(ConfigError, match="synthetic_bad.yaml, line 3"):
        load_scenarios(tmp_path, config, SCHEMA_PATH)


def test_an_unknown_evidence_id_is_named_with_its_file_and_key(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the configuration's paths are relative to the project
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config["assumptions"]["reporting_rate"]["evidence"] = ["synthetic_no_such_row"]
    with pytest.raises(ConfigError, match=r"assumptions.reporting_rate.evidence\[0\]: 'synthetic_no_such_row' is "
                                          r"not a parameter of data/raw/under_recording_parameters.csv"):
        check_config(config, SCHEMA_PATH)
    checked = check_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()), SCHEMA_PATH)
    (tmp_path / "synthetic_cites.yaml").write_text(
        "description: synthetic\nassumptions:\n  reporting_rate: {dist: fixed, value: 0.1, source: synthetic, "
        "evidence: [synthetic_no_such_row]}\n")
    with pytest.raises(ConfigError, match=r"synthetic_cites.yaml is invalid:\n  assumptions.reporting_rate."
                                          r"evidence\[0\]: 'synthetic_no_such_row'"):
        load_scenarios(tmp_path, checked, SCHEMA_PATH)


def test_the_data_availability_statement_counts_what_the_ledger_holds():
    registry = pd.DataFrame({"file": ["data/raw/synthetic.csv"], "publisher": ["Synthetic"], "vintage": ["2026-01-01"]})
    forces = pd.DataFrame({"source_url": ["https://example.invalid/a", "https://web.archive.org/web/1/x"],
                           "source_date": ["2020-01-01", ""]})
    national = pd.DataFrame({"source_url": ["https://example.invalid/a"], "release_date": ["2020-02"]})
    parameters = pd.DataFrame({"source_url": ["https://example.invalid/b"], "year": ["2014"]})
    text = data_availability_markdown(registry, forces, national, parameters)
    assert "4 rows from 3 source addresses" in text
    assert "a source date on\n1 of 2 force rows, a release date on\n1 of 1 national rows" in text
    assert "1 of the 3 addresses\npoint to a web archive" in text
    assert "Open Government Licence v3.0" in text and "| `data/raw/synthetic.csv` | Synthetic | 2026-01-01 |" in text
