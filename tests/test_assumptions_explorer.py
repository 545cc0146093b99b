"""The assumptions explorer (report/assumptions_explorer.py) on synthetic totals: its numbers at
fixed settings are the sensitivity stage's for the same fixed assumptions, the chart embeds its
data and binds a control to every assumption, and the fragment loads nothing from the network.
What the browser shows is checked in test_explorer_in_browser.py."""
import json

import nbformat
import numpy as np
import pytest

from online_csa.configuration.validation import ConfigError, check_config
from online_csa.report import assumptions_explorer as explorer
from online_csa.report.html_report import EXPLORER_TITLE, render_html
from online_csa.sensitivity import monte_carlo as sens
from online_csa.sensitivity.distributions import parse_assumptions
from online_csa.sensitivity.metric_names import ratio_metric
from online_csa.sensitivity.recorded_totals import RecordedTotals
from online_csa.sensitivity.support_words import SupportWords
from online_csa.sensitivity.trend_claims import Threshold, TrendClaim

from conftest import ROOT

CLAIMS = [
    TrendClaim("SYN01_doubling", "synthetic doubling", "2015/16", "2018/19", 4000.0, 8000.0, "N0001, N0002",
               (Threshold(1.0, "any rise"), Threshold(2.0, "doubling"))),
    TrendClaim("SYN02_rise", "synthetic one-year rise", "2018/19", "2019/20", 8000.0, 9300.0, "N0002, N0003",
               (Threshold(1.0, "any rise"), Threshold(1.16, "a 16% rise"))),
]
WORDS = SupportWords(holds=0.95, fails=0.05)
RANGES = {"flag_completeness_ratio_per_year": {"min": 0.7, "max": 1.1, "step": 0.001},
          "recording_compliance_ratio_per_year": {"min": 0.85, "max": 1.1, "step": 0.001},
          "reporting_rate_ratio_per_year": {"min": 0.8, "max": 1.2, "step": 0.001},
          "nonresponse_multiplier": {"min": 0.25, "max": 3.0, "step": 0.01},
          "s15a_flagged_share": {"min": 0.5, "max": 1.0, "step": 0.01}}
SETTINGS = {"flag_completeness_ratio_per_year": 0.93, "recording_compliance_ratio_per_year": 0.97,
            "reporting_rate_ratio_per_year": 1.01, "nonresponse_multiplier": 1.4, "s15a_flagged_share": 0.85,
            "include_s15a": True}


def synthetic_totals(draws=1000) -> RecordedTotals:
    """Made-up totals: observed sums, imputed draws of which a part is free (no total pins it),
    and s.15A counts for two of the three years (none published for 2019/20)."""
    rng = np.random.default_rng(7)
    imputed = {year: centre + 150 * rng.normal(size=draws)
               for year, centre in (("2015/16", 900.0), ("2018/19", 1500.0), ("2019/20", 1200.0))}
    free = {year: 0.4 * values for year, values in imputed.items()}
    return RecordedTotals({"2015/16": 3100.0, "2018/19": 6900.0, "2019/20": 8100.0}, imputed,
                          {"2015/16": 0.0, "2018/19": 2100.0}, free)


def thinned(totals: RecordedTotals, index: np.ndarray) -> RecordedTotals:
    return RecordedTotals(totals.observed, {y: v[index] for y, v in totals.imputed.items()}, totals.s15a,
                          {y: v[index] for y, v in totals.free.items()})


def fixed_assumptions(settings: dict) -> dict:
    """Every assumption the sensitivity stage needs, fixed: the explorer's values for its sliders,
    1 for the levels (they cancel in a ratio)."""
    specs = {name: {"dist": "fixed", "value": 1.0} for name in sens.REQUIRED}
    specs.update({name: {"dist": "fixed", "value": settings[name]} for name in explorer.SLIDERS})
    return parse_assumptions(specs, required=sens.REQUIRED)


def test_thinning_spreads_the_draws_evenly_and_keeps_all_when_there_are_fewer():
    assert explorer.thinned_indices(4000, 500).tolist() == list(range(0, 4000, 8))
    assert explorer.thinned_indices(10, 4).tolist() == [0, 2, 5, 7]
    assert explorer.thinned_indices(300, 500).tolist() == list(range(300))


@pytest.mark.parametrize("include_s15a", [True, False])
def test_at_fixed_settings_the_explorer_gives_the_sensitivity_stages_numbers(include_s15a):
    """The explorer's median, 90% interval and share of draws holding, evaluated in Python on the
    data it embeds, equal run_sensitivity's "central values" row and claim_support with the same
    assumptions fixed, over the same imputation draws."""
    totals = synthetic_totals()
    settings = {**SETTINGS, "include_s15a": include_s15a}
    draws = explorer.draws_table(totals, CLAIMS, 200)
    got = explorer.summary(draws, explorer.claims_table(totals, CLAIMS), settings, WORDS)
    same_draws = thinned(totals, explorer.thinned_indices(totals.n_draws, 200))
    assumptions = fixed_assumptions(settings)
    table = sens.run_sensitivity(same_draws, CLAIMS, assumptions, include_s15a, draws=50, seed=1)
    central = table[table["variant"] == "central values"].set_index("metric")
    metrics = sens.evaluate(same_draws, CLAIMS, {n: np.full(same_draws.n_draws, a.central)
                                                  for n, a in assumptions.items()},
                            np.arange(same_draws.n_draws), include_s15a)
    support = sens.claim_support(metrics, CLAIMS)
    for claim in CLAIMS:
        rows = got[got["claim_id"] == claim.claim_id]
        expected = central.loc[ratio_metric("adjusted", claim.from_year, claim.to_year)]
        if not include_s15a and claim.to_year == "2019/20":  # no s.15A count published for 2019/20
            assert np.isnan(expected["median"]) and rows["median"].isna().all()
            assert (rows["verdict"] == explorer.NOT_COMPUTABLE).all()
            continue
        for row in rows.itertuples():
            assert row.median == pytest.approx(expected["median"], rel=1e-12)
            assert row.lower_90 == pytest.approx(expected["lower_90"], rel=1e-12)
            assert row.upper_90 == pytest.approx(expected["upper_90"], rel=1e-12)
            share = support[(support["claim_id"] == claim.claim_id) & (support["threshold"] == row.threshold)]
            assert row.share_holding == share["share_holding_adjusted"].item()


def test_the_formula_moves_as_each_assumption_says():
    """Per-year ratios compound over the span (cubed over three years); the multiplier scales the
    free part only; taking s.15A out removes the flagged share of its count."""
    totals = synthetic_totals(draws=50)
    draws, claims = explorer.draws_table(totals, CLAIMS, 50), explorer.claims_table(totals, CLAIMS)
    base = explorer.adjusted_ratios(draws, claims, SETTINGS)
    lower_flag = explorer.adjusted_ratios(draws, claims, {**SETTINGS, "flag_completeness_ratio_per_year": 0.8})
    span = draws["claim_id"].map({"SYN01_doubling": 3, "SYN02_rise": 1}).to_numpy()
    np.testing.assert_allclose(lower_flag / base, (0.8 / 0.93) ** span, rtol=1e-12)
    one = draws.index[(draws["claim_id"] == "SYN01_doubling")][0]
    n_from = 3100.0 + 0.6 * totals.imputed["2015/16"][0] + 1.4 * totals.free["2015/16"][0]
    n_to = 6900.0 + 0.6 * totals.imputed["2018/19"][0] + 1.4 * totals.free["2018/19"][0]
    assert base[one] == pytest.approx(n_to / n_from * (0.93 * 0.97 * 1.01) ** 3, rel=1e-12)
    out = explorer.adjusted_ratios(draws, claims, {**SETTINGS, "include_s15a": False})
    assert out[one] == pytest.approx((n_to - 0.85 * 2100.0) / n_from * (0.93 * 0.97 * 1.01) ** 3, rel=1e-12)


def test_the_verdict_needs_nineteen_draws_in_twenty():
    assert explorer.verdict(0.95, WORDS) == "holds" and explorer.verdict(0.9499, WORDS) == "uncertain"
    assert explorer.verdict(0.05, WORDS) == "fails" and explorer.verdict(0.0501, WORDS) == "uncertain"
    assert explorer.verdict(float("nan"), WORDS) == explorer.NOT_COMPUTABLE


def test_the_verdict_follows_the_configured_words_not_the_interval_bounds():
    """The cut-offs are `sensitivity.claim_support_words`, one definition for every stage: moved in the
    configuration, the explorer's word and the expression the browser evaluates move with them."""
    strict = SupportWords(holds=0.99, fails=0.01)
    assert explorer.verdict(0.97, strict) == "uncertain" and explorer.verdict(0.97, WORDS) == "holds"
    assert explorer.verdict(0.03, strict) == "uncertain" and explorer.verdict(0.03, WORDS) == "fails"
    totals = synthetic_totals(draws=120)
    draws, claims = explorer.draws_table(totals, CLAIMS, 100), explorer.claims_table(totals, CLAIMS)
    spec = json.dumps(explorer.explorer_chart(draws, claims, SETTINGS, RANGES, strict).to_dict())
    assert "datum.share >= 0.99" in spec and "datum.share <= 0.01" in spec and "datum.share >= 0.95" not in spec
    assert "at least 99% of the draws" in explorer.explorer_intro(100, 120, strict)


def test_the_configured_words_match_the_shipped_configuration_and_a_reversed_pair_is_refused():
    import yaml

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    assert SupportWords.from_config(config["sensitivity"]["claim_support_words"]) == WORDS
    with pytest.raises(ValueError, match="claim_support_words.*fails \\(0.9\\) must be below holds \\(0.1\\)"):
        SupportWords(holds=0.1, fails=0.9)


def test_the_sliders_start_at_the_central_values_and_a_start_outside_its_range_is_refused():
    assumptions = {"flag_completeness_ratio_per_year": {"dist": "uniform", "low": 0.7937, "high": 1.0},
                   "recording_compliance_ratio_per_year": {"dist": "uniform", "low": 0.9283, "high": 1.0},
                   "reporting_rate_ratio_per_year": {"dist": "fixed", "value": 1.0},
                   "nonresponse_multiplier": {"dist": "lognormal", "median": 1.0, "low": 0.67, "high": 1.5},
                   "s15a_flagged_share": {"dist": "uniform", "low": 0.8, "high": 1.0}, "include_s15a": False}
    assert explorer.initial_settings(assumptions) == {
        "flag_completeness_ratio_per_year": 0.89685, "recording_compliance_ratio_per_year": 0.96415,
        "reporting_rate_ratio_per_year": 1.0, "nonresponse_multiplier": 1.0, "s15a_flagged_share": 0.9,
        "include_s15a": False}
    with pytest.raises(ValueError, match="report.explorer.ranges.nonresponse_multiplier: the starting value 5"):
        explorer.explorer_params({**SETTINGS, "nonresponse_multiplier": 5.0}, RANGES)


def test_a_slider_whose_min_is_not_below_its_max_stops_the_run_naming_the_key():
    config = {"explorer": {"ranges": {"nonresponse_multiplier": {"min": 2.0, "max": 1.0, "step": 0.1}}}}
    with pytest.raises(ConfigError, match=r"explorer.ranges.nonresponse_multiplier.min: 2.0 must be below"):
        check_config(config, ROOT / "workflow/schemas/config.schema.yaml")


def spec_and_fragment():
    totals = synthetic_totals(draws=120)
    draws, claims = explorer.draws_table(totals, CLAIMS, 100), explorer.claims_table(totals, CLAIMS)
    spec = explorer.explorer_chart(draws, claims, SETTINGS, RANGES, WORDS).to_dict()
    return spec, explorer.explorer_fragment(spec, "window.vegaEmbed = function () {};", "<p>intro</p>")


def test_the_chart_binds_a_control_to_every_assumption_and_embeds_its_draws():
    spec, _ = spec_and_fragment()
    params = {p["name"]: p for p in spec["params"]}
    for name in explorer.SLIDERS:
        assert params[name]["value"] == SETTINGS[name]
        assert params[name]["bind"]["input"] == "range"
        assert {k: params[name]["bind"][k] for k in ("min", "max", "step")} == RANGES[name]
    assert params["include_s15a"]["bind"]["input"] == "checkbox" and params["include_s15a"]["value"] is True
    embedded = [rows for rows in spec["datasets"].values() if rows and "fixed_from" in rows[0]]
    assert len(embedded) == 1 and len(embedded[0]) == 100 * len(CLAIMS)
    assert "url" not in json.dumps(spec.get("data", {}))


def test_the_fragment_inlines_its_javascript_and_loads_nothing_from_the_network():
    _, fragment = spec_and_fragment()
    assert not fragment.lstrip().lower().startswith(("<html", "<!doctype"))
    assert f'<div id="{explorer.ELEMENT_ID}">' in fragment and "window.vegaEmbed = function" in fragment
    assert " src=" not in fragment and "<link" not in fragment and "import(" not in fragment
    assert '"renderer": "svg"' in fragment and '"actions": false' in fragment


def test_the_report_puts_the_explorer_in_its_own_section_before_the_appendix(tmp_path):
    paths = []
    for number, heading in enumerate(["# 1. A synthetic chapter", "# Appendix: synthetic provenance"], start=1):
        path = tmp_path / f"0{number}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(heading)]), path)
        paths.append(str(path))
    page = render_html(paths, "Synthetic report", '<div id="synthetic-explorer"></div>')
    explorer_at, appendix_at = page.index('id="synthetic-explorer"'), page.index('id="cell-id=chapter2-cell00"')
    assert page.index('id="cell-id=chapter1-cell00"') < explorer_at < appendix_at
    assert f'<a href="#{EXPLORER_TITLE.replace(" ", "-")}">{EXPLORER_TITLE}</a>' in page  # in the contents


def test_each_claim_is_labelled_with_what_is_drawn_on_a_second_line():
    """The explorer's axis, like Figure 1, says its draws are of the modelled totals, not the
    published pair a claim's description names: a second line of the label, split in the browser."""
    totals = synthetic_totals(draws=50)
    drawn = {"SYN01_doubling": "drawn: adjusted ratio of modelled totals 8,000 / 4,000"}
    claims = explorer.claims_table(totals, CLAIMS, drawn)
    assert list(claims["claim"]) == ["synthetic doubling | drawn: adjusted ratio of modelled totals 8,000 / 4,000",
                                     "synthetic one-year rise"]
    spec = json.dumps(explorer.explorer_chart(explorer.draws_table(totals, CLAIMS, 20), claims, SETTINGS, RANGES,
                                              WORDS).to_dict())
    assert "split(datum.label, ' | ')" in spec
    assert list(explorer.claims_table(totals, CLAIMS)["claim"]) == ["synthetic doubling", "synthetic one-year rise"]


def test_the_repository_keeps_the_bundle_the_installed_vl_convert_and_altair_build():
    """The rule vega_embed_bundle copies the kept file instead of building it (3 s): it must be what these versions
    build, and the only one kept (tools/vendor_vega_embed.py rewrites it after a change of pins)."""
    from importlib.metadata import version

    from online_csa.report.vendored_javascript import VENDOR_DIR, vendored_bundle_name

    kept = sorted((ROOT / VENDOR_DIR).glob("vega-embed_*.js"))
    assert [path.name for path in kept] == [vendored_bundle_name(version("vl-convert-python"), version("altair"))], \
        "run .venv/bin/python tools/vendor_vega_embed.py"
    assert kept[0].read_text(encoding="utf-8") == explorer.vega_embed_bundle()
