"""The configuration is checked before any job runs, scenarios merge as documented, and the
generated documentation matches the schema."""
import copy
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from online_csa.configuration.validation import (ConfigError, check_config, coerce_text_values, fill_defaults,
                                          load_schema, normalise_assumptions)
from online_csa.sensitivity.scenario_comparison import compare_claim_support, compare_metrics
from online_csa.configuration.scenarios import BASELINE, load_scenario, load_scenarios

SCHEMA_PATH = ROOT / "workflow/schemas/config.schema.yaml"
SCHEMA = load_schema(SCHEMA_PATH)


def shipped_config() -> dict:
    return check_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()), SCHEMA_PATH)


def problems(change) -> str:
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    change(config)
    with pytest.raises(ConfigError) as error:
        check_config(config, SCHEMA_PATH)
    return str(error.value)


@pytest.mark.parametrize("change, expected", [
    (lambda c: c["monte_carlo"].update(sed=3),
     "monte_carlo.sed: unknown key (allowed here: correlations, draws, label_tolerance, seed)"),
    (lambda c: c.update(assumption={}), "assumption: unknown key"),
    (lambda c: c["monte_carlo"].update(draws="many"), "monte_carlo.draws: 'many' is not of type 'integer'"),
    (lambda c: c["assumptions"]["flag_completeness"].update(dist="fixed", value=1.5),
     "assumptions.flag_completeness.value: 1.5 is greater than the maximum of 1"),
    (lambda c: c["assumptions"]["reporting_rate"].update(low=-0.1),
     "assumptions.reporting_rate.low: -0.1 is less than the minimum of 0"),
    (lambda c: c["assumptions"]["flag_completeness_ratio_per_year"].update(low=0.9, high=0.6),
     "assumptions.flag_completeness_ratio_per_year.low: 0.9 must be below "
     "assumptions.flag_completeness_ratio_per_year.high (0.6)"),
    (lambda c: c["assumptions"].update(flag_completeness_ratio={"dist": "fixed", "value": 0.6}),
     "assumptions.flag_completeness_ratio: unknown key"),
    (lambda c: c["monte_carlo"]["correlations"].append({"a": "reporting_rate", "b": "reporting_rte", "rho": 0.3}),
     "monte_carlo.correlations[1].b: 'reporting_rte' is not an assumption"),
    (lambda c: c["monte_carlo"]["correlations"].append({"a": "s15a_flagged_share", "b": "flag_completeness",
                                                         "rho": 0.2}),
     "monte_carlo.correlations[1]: the pair s15a_flagged_share, flag_completeness is given more than once"),
    (lambda c: c["monte_carlo"]["correlations"].append({"a": "flag_completeness", "b": "reporting_rate", "rho": 1.2}),
     "monte_carlo.correlations[1].rho: 1.2 is greater than or equal to the maximum of 1"),
    (lambda c: c["sensitivity"]["trend_claims"][0]["thresholds"][1].update(headline_check="doubling_like_for_like"),
     "sensitivity.trend_claims[0].thresholds[1].headline_check: 'doubling_like_for_like' is not a headline check"),
    (lambda c: c["assumptions"]["recording_compliance"].update(mean=0.95),
     "assumptions.recording_compliance.mean: 0.95 must lie between low (0.74) and high (0.91)"),
    (lambda c: c["assumptions"]["nonresponse_multiplier"].update(dist="gamma"),
     "assumptions.nonresponse_multiplier.dist: 'gamma' is not one of"),
    (lambda c: c["claims"].update(min_coverage_share=1.5), "claims.min_coverage_share: 1.5 is greater than"),
    (lambda c: c["cleaning"].update(suppressed_range={"low": 5, "high": 4}),
     "cleaning.suppressed_range.low: 5 must not be above cleaning.suppressed_range.high (4)"),
])
def test_a_bad_value_is_refused_with_its_key_named(change, expected):
    assert expected in problems(change)


def test_every_problem_is_reported_at_once():
    def several(c):
        c["monte_carlo"]["draws"] = 0
        c["assumptions"]["reporting_rate"]["high"] = 1.2
        c["figures"]["colour"] = "red"
    message = problems(several)
    assert "(3 problems)" in message
    assert "monte_carlo.draws" in message and "assumptions.reporting_rate.high" in message
    assert "figures.colour: unknown key" in message


def test_text_from_the_command_line_becomes_numbers_where_the_schema_wants_them():
    # Snakemake's --config parser hands nested values over as text
    given = {"monte_carlo": {"draws": "20000", "seed": "7"},
             "assumptions": {"include_s15a": "false", "reporting_rate": {"dist": "fixed", "value": "0.1"}},
             "cleaning": {"first_fiscal_year": "2014/15"}}
    coerced = coerce_text_values(given, SCHEMA)
    assert coerced["monte_carlo"] == {"draws": 20000, "seed": 7}
    assert coerced["assumptions"]["include_s15a"] is False
    assert coerced["assumptions"]["reporting_rate"]["value"] == 0.1
    assert coerced["cleaning"]["first_fiscal_year"] == "2014/15"  # text where text is wanted


def test_an_empty_config_gets_every_default_and_the_shipped_assumptions_are_the_defaults():
    filled = check_config({}, SCHEMA_PATH)
    assert {k: filled["monte_carlo"][k] for k in ("draws", "seed", "label_tolerance")} == {
        "draws": 10000, "seed": 20190625, "label_tolerance": {"probability": 0.02, "relative": 0.1}}
    # assumptions are independent except the one documented tie
    assert [(c["a"], c["b"], c["rho"]) for c in filled["monte_carlo"]["correlations"]] == [
        ("flag_completeness", "s15a_flagged_share", 0.7)]
    assert filled["cleaning"]["vintage_rule"] == "latest_release"
    assert filled["headline_checks"]["doubling"]["published_record"] == "N0041"
    # the README's reference is generated from the schema defaults, so the shipped file must agree
    assert shipped_config()["assumptions"] == filled["assumptions"]
    assert shipped_config()["sensitivity"]["trend_claims"] == filled["sensitivity"]["trend_claims"]
    assert shipped_config()["monte_carlo"] == filled["monte_carlo"]


def _schema_keys(node, path, inherited):
    from online_csa.configuration.validation import _resolve
    for name, sub in _resolve(node, SCHEMA).get("properties", {}).items():
        resolved = _resolve(sub, SCHEMA)
        has_default = "default" in sub or "default" in resolved or inherited
        yield f"{path}{name}", bool(sub.get("description") or resolved.get("description")), has_default
        yield from _schema_keys(resolved, f"{path}{name}.", has_default)
        items = resolved.get("items")
        if isinstance(items, dict):
            yield from _schema_keys(items, f"{path}{name}[].", has_default)


def test_every_schema_key_has_a_description_and_a_default():
    keys = list(_schema_keys(SCHEMA, "", False))
    assert len(keys) > 100
    assert [k for k, described, _ in keys if not described] == []
    assert [k for k, _, defaulted in keys if not defaulted] == []


def test_a_merged_change_of_distribution_drops_stale_parameters_and_marks_the_source():
    defaults = shipped_config()["assumptions"]
    merged = copy.deepcopy(defaults)
    merged["flag_completeness_ratio_per_year"].update(dist="fixed", value=0.9)  # what Snakemake's merge leaves
    tidy = normalise_assumptions(merged, defaults)
    assert set(tidy["flag_completeness_ratio_per_year"]) == {"dist", "value", "source", "evidence"}
    assert tidy["flag_completeness_ratio_per_year"]["source"].startswith("changed by the user from the default")
    assert tidy["reporting_rate"] == defaults["reporting_rate"]  # unchanged ones keep their source


def test_the_shipped_scenarios_change_what_they_say_and_nothing_else():
    config = shipped_config()
    scenarios = load_scenarios(ROOT / "config/scenarios", config, SCHEMA_PATH)
    assert list(scenarios)[0] == BASELINE
    assert set(scenarios) == {BASELINE, "nspcc_reading", "flag_completeness_improving", "low_reporting_rate",
                              "s15a_excluded", "pessimistic_nonresponse"}
    for scenario in scenarios.values():
        changed = {k for k in config["assumptions"] if scenario.assumptions[k] != config["assumptions"][k]}
        assert changed <= set(scenario.overrides), scenario.name
        assert scenario.monte_carlo == config["monte_carlo"]
    assert scenarios["s15a_excluded"].assumptions["include_s15a"] is False
    low = scenarios["low_reporting_rate"].assumptions["reporting_rate"]
    assert (low["median"], low["low"], low["high"]) == (0.07, 0.04, 0.12)
    assert "Children's Commissioner" not in low["source"]  # a scenario's distribution is its own, not merged


def write(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, text, expected", [
    ("bad_bounds", "description: x\nassumptions:\n  reporting_rate: {dist: uniform, low: 0.3, high: 0.1, source: s}\n",
     "assumptions.reporting_rate.low: 0.3 must be below assumptions.reporting_rate.high (0.1)"),
    ("bad_key", "description: x\nassumptions: {}\nmontecarlo: {draws: 5}\n", "montecarlo: unknown key"),
    ("no_source", "description: x\nassumptions:\n  reporting_rate: {dist: fixed, value: 0.1}\n",
     "assumptions.reporting_rate.source: required in a scenario"),
    ("no_description", "assumptions: {}\n", "description: required"),
    ("not_probability", "description: x\nassumptions:\n  flag_completeness: {dist: fixed, value: 2, source: s}\n",
     "assumptions.flag_completeness.value: 2 is greater than the maximum of 1"),
    ("Bad-Name", "description: x\n", "a scenario's file name must be"),
    ("baseline", "description: x\n", "not 'baseline'"),
])
def test_a_bad_scenario_file_is_refused_naming_the_file_and_the_key(tmp_path, name, text, expected):
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError) as error:
        load_scenario(path, shipped_config(), SCHEMA)
    assert str(path) in str(error.value) and expected in str(error.value)


def synthetic_sensitivity(scale: float) -> pd.DataFrame:
    rows = [("all assumptions drawn", "ratio", 1.5 * scale, 1.0 * scale, 2.0 * scale),
            ("all assumptions drawn", "total", 100.0 * scale, 80.0 * scale, 130.0 * scale),
            ("central values", "ratio", 9.0, 9.0, 9.0)]
    frame = pd.DataFrame(rows, columns=["variant", "metric", "median", "lower_90", "upper_90"])
    return frame.assign(include_s15a=True)


def test_scenario_comparison_reads_the_joint_draws_and_divides_by_the_baseline():
    scenarios = [{"name": "baseline", "description": "b", "overrides": []},
                 {"name": "synthetic_double", "description": "d", "overrides": ["reporting_rate"]}]
    tables = {"baseline": synthetic_sensitivity(1.0), "synthetic_double": synthetic_sensitivity(2.0)}
    out = compare_metrics(tables, scenarios, ["ratio", "total"]).set_index(["scenario", "metric"])
    assert out.loc[("synthetic_double", "ratio"), "median"] == 3.0  # not the 'central values' row
    assert out.loc[("synthetic_double", "total"), "median_vs_baseline"] == 2.0
    assert out.loc[("baseline", "total"), "median_vs_baseline"] == 1.0
    assert out.loc[("synthetic_double", "ratio"), "changes"] == "reporting_rate"
    with pytest.raises(KeyError, match="no metric iceberg"):
        compare_metrics(tables, scenarios, ["iceberg"])
    support = {n: pd.DataFrame({"claim_id": ["C"], "description": ["c"], "threshold": [1.0],
                                "threshold_meaning": ["any rise"], "threshold_source": ["synthetic"],
                                "share_holding_recorded": [0.9], "share_holding_adjusted": [s]})
               for n, s in [("baseline", 0.5), ("synthetic_double", 0.25)]}
    both = compare_claim_support(support, scenarios)
    assert both["scenario"].tolist() == ["baseline", "synthetic_double"]
    assert both["share_holding_adjusted"].tolist() == [0.5, 0.25]


def test_the_generated_documentation_matches_the_schema():
    result = subprocess.run([sys.executable, "tools/config_reference.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout
    readme = (ROOT / "README.md").read_text()
    assert "| `flag_completeness_ratio_per_year` | positive ratio | uniform from 0.7937 to 1 |" in readme
    assert ("| `recording_compliance` | probability | beta, mean 0.85, 90% asked between 0.74 and 0.91, drawn between "
            "0.74 and 0.936 |") in readme
    assert "| `monte_carlo.draws` | integer | 10000 |" in (ROOT / "docs/configuration.md").read_text()


def test_fill_defaults_does_not_overwrite_given_values():
    filled = fill_defaults({"monte_carlo": {"draws": 123, "correlations": []}}, SCHEMA)
    assert filled["monte_carlo"] == {"draws": 123, "seed": 20190625, "correlations": [],
                                     "label_tolerance": {"probability": 0.02, "relative": 0.1}}


def test_correlations_that_cannot_hold_together_are_refused_naming_the_keys():
    def impossible(c):
        c["monte_carlo"]["correlations"] = [
            {"a": "flag_completeness", "b": "reporting_rate", "rho": 0.9},
            {"a": "flag_completeness", "b": "recording_compliance", "rho": 0.9},
            {"a": "recording_compliance", "b": "reporting_rate", "rho": -0.9}]
    assert ("monte_carlo.correlations: the correlations among flag_completeness, recording_compliance, reporting_rate "
            "cannot hold together") in problems(impossible)
    none = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    none["monte_carlo"]["correlations"] = []  # every assumption independent
    assert check_config(none, SCHEMA_PATH)["monte_carlo"]["correlations"] == []


def test_a_scenario_with_impossible_correlations_is_refused(tmp_path):
    text = ("description: x\nmonte_carlo:\n  correlations:\n"
            "    - {a: flag_completeness, b: reporting_rate, rho: 0.9}\n"
            "    - {a: flag_completeness, b: recording_compliance, rho: 0.9}\n"
            "    - {a: recording_compliance, b: reporting_rate, rho: -0.9}\n")
    path = write(tmp_path, "synthetic_tied", text)
    with pytest.raises(ConfigError, match="monte_carlo.correlations: the correlations among"):
        load_scenario(path, shipped_config(), SCHEMA)


def test_the_doubling_threshold_has_one_definition_shared_by_both_stages():
    from online_csa.configuration.claim_thresholds import resolve_trend_claims

    config = shipped_config()
    doubling = config["sensitivity"]["trend_claims"][0]["thresholds"][1]
    assert doubling == {"meaning": "doubling", "headline_check": "doubling"}  # no second number
    resolved = resolve_trend_claims(config["sensitivity"]["trend_claims"], config["headline_checks"])
    assert resolved[0]["thresholds"][1] == {"meaning": "doubling", "ratio": 2.0,
                                            "source": "headline_checks.doubling.threshold"}
    assert resolved[1]["thresholds"][1] == {"meaning": "a 16% rise", "ratio": 1.16,
                                            "source": "sensitivity.trend_claims[1].thresholds[1].ratio"}
    # changing the claims stage's threshold changes the sensitivity stage's with it
    config["headline_checks"]["doubling"]["threshold"] = 1.9
    moved = resolve_trend_claims(config["sensitivity"]["trend_claims"], config["headline_checks"])
    assert moved[0]["thresholds"][1]["ratio"] == 1.9
    assert config["sensitivity"]["trend_claims"][0]["thresholds"][1] == doubling  # the config itself is untouched


def test_a_configuration_that_passed_the_schema_is_not_checked_again_and_a_failing_one_always_is(tmp_path,
                                                                                                 monkeypatch):
    from online_csa.configuration import validation

    checked = []
    real = validation._schema_errors
    monkeypatch.setattr(validation, "_schema_errors", lambda config, schema: checked.append(1) or real(config, schema))
    monkeypatch.chdir(tmp_path)
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    check_config(copy.deepcopy(config), SCHEMA_PATH)  # no .snakemake/ here: nothing remembered
    check_config(copy.deepcopy(config), SCHEMA_PATH)
    assert len(checked) == 2
    (tmp_path / ".snakemake").mkdir()
    first = check_config(copy.deepcopy(config), SCHEMA_PATH)
    assert check_config(copy.deepcopy(config), SCHEMA_PATH) == first
    assert len(checked) == 3  # the second start of the same configuration skipped the schema
    config["monte_carlo"]["draws"] = "many"
    with pytest.raises(ConfigError, match="monte_carlo.draws: 'many' is not of type 'integer'"):
        check_config(copy.deepcopy(config), SCHEMA_PATH)
    with pytest.raises(ConfigError, match="monte_carlo.draws"):
        check_config(copy.deepcopy(config), SCHEMA_PATH)
    assert len(checked) == 5
    assert len(list((tmp_path / ".snakemake/online_csa/valid_configs").iterdir())) == 1
