"""The findings table: one row per headline claim, built from the claims, panel and sensitivity tables."""
import pandas as pd
import pytest

from online_csa.report.findings import FindingsError, findings_table, holds_above, key_findings, tipping_words
from online_csa.report.html_report import data_text, share_text, verdict_text
from online_csa.sensitivity.support_words import SupportWords


def synthetic_claims():
    return pd.DataFrame({
        "claim_id": ["S_doubling", "N9001", "N9002", "N9003"],
        "record_ids": ["N9000", "N9001;N9011", "N9002", "N9003"],
        "reproduced_value": [2.5, 110.0, None, None],
        "verdict": ["reproduced", "consistent", "not_reproducible", "not_reproducible"],
        "basis": ["200 / 80 = 2.5", "sum over 3 of 4 forces = 110", "no force data", "no force data"],
    })


def synthetic_panel():
    return pd.DataFrame({"series": ["s", "s"], "force": ["Synthshire", "Synthshire"],
                         "fiscal_year": ["2018/19", "2019/20"], "value": [168.0, None],
                         "status": ["observed", "missing"], "record_ids": ["F9070", None]})


def synthetic_support():
    rows = [("baseline", 0.40), ("wide", 0.10), ("narrow", 0.90), ("no_count", None)]
    return pd.DataFrame([{"scenario": s, "claim_id": "S_doubling", "description": "Doubled", "threshold": 2.0,
                          "threshold_meaning": "doubling", "share_holding_recorded": 1.0,
                          "share_holding_adjusted": v} for s, v in rows]
                        + [{"scenario": "baseline", "claim_id": "S_doubling", "description": "Doubled",
                            "threshold": 1.0, "threshold_meaning": "any rise", "share_holding_recorded": 1.0,
                            "share_holding_adjusted": 0.95}])


def synthetic_tipping():
    base = {"claim_id": "S_doubling", "threshold_meaning": "doubling", "others_at": "central",
            "method": "arithmetic on published totals (N9000)"}
    return pd.DataFrame([
        {**base, "assumption": "flag_completeness_ratio_per_year", "tipping_value": 0.8, "reference_value": 0.9,
         "holds_at_reference": True},
        {**base, "assumption": "reporting_rate_ratio_per_year", "tipping_value": 1.2, "reference_value": 1.0,
         "holds_at_reference": False},
        {**base, "assumption": "nonresponse_multiplier", "tipping_value": None, "reference_value": 1.0,
         "holds_at_reference": True},
        {**base, "assumption": "flag_completeness_ratio_per_year", "tipping_value": 0.5, "reference_value": 0.9,
         "holds_at_reference": True, "method": "model: median of imputed totals"},
        {**base, "assumption": "recording_compliance_ratio_per_year", "tipping_value": 0.7, "reference_value": 0.9,
         "holds_at_reference": True, "others_at": "neutral"},
    ])


FINDINGS = [
    {"claim": "Doubled", "checks": ["S_doubling"], "trend_claim": "S_doubling", "threshold_meaning": "doubling"},
    {"claim": "110 offences", "checks": ["N9001"]},
    {"claim": "Synthshire: 168", "checks": ["F9070"]},
    {"claim": "Two untestable figures", "checks": ["N9002", "N9003"], "would_test": "the agency's own counts"},
]


WORDS = SupportWords(holds=0.95, fails=0.05)


def synthetic_national():
    return pd.DataFrame({"series": ["s"], "geography": ["synth"], "fiscal_year": ["2018/19"], "forces": [4],
                         "observed_forces": [3], "estimate": [150.0], "lower_90": [130.4], "upper_90": [190.6]})


def build(findings=FINDINGS, words=WORDS):
    return findings_table(findings, synthetic_claims(), synthetic_panel(), synthetic_support(), synthetic_tipping(),
                          words, synthetic_national())


def test_each_claim_gets_its_verdict_value_records_and_share_of_draws():
    table = build()
    assert list(table["claim"]) == ["Doubled", "110 offences", "Synthshire: 168", "Two untestable figures"]
    doubled = table.iloc[0]
    assert (doubled["verdict"], doubled["data_value"], doubled["records"]) == ("reproduced", 2.5, "N9000")
    # baseline share, and the lowest and highest across the scenarios that can compute it
    assert (doubled["share_holding_baseline"], doubled["share_holding_lowest"],
            doubled["share_holding_highest"]) == (0.40, 0.10, 0.90)
    assert doubled["scenarios_with_share"] == "3 of 4"
    assert table.iloc[1]["records"] == "N9001;N9011"
    assert pd.isna(table.iloc[1]["share_holding_baseline"])


def test_a_force_year_figure_is_found_in_the_panel_by_its_record():
    row = build().iloc[2]
    assert (row["records"], row["verdict"], row["data_value"]) == ("F9070", "in the panel: observed", 168.0)


def test_an_untestable_claim_says_what_data_would_test_it_and_must():
    row = build().iloc[3]
    assert (row["verdict"], row["records"], row["would_test"]) == ("not_reproducible", "N9002;N9003",
                                                                  "the agency's own counts")
    with pytest.raises(FindingsError, match=r"findings\[0\].*would_test"):
        build([{"claim": "Untested", "checks": ["N9002"]}])


def test_an_unknown_check_is_named():
    with pytest.raises(FindingsError, match="'N9999'"):
        build([{"claim": "x", "checks": ["N9999"]}])


def test_tipping_values_in_words_say_what_the_other_assumptions_are_held_at():
    """Each tipping value names the setting of the others (neutral, then central) and its method; the
    model's median is used only where the published arithmetic gives none."""
    words = tipping_words(synthetic_tipping(), "S_doubling", "doubling")
    assert words == ("With the other assumptions neutral (no change in any rate between the years), by the published "
                     "totals: fails if the per-year ratio of recording compliance (earlier year over later) is below "
                     "0.700 (central 0.90). With the other assumptions at their central values, by the published "
                     "totals: fails if the per-year ratio of flag completeness (earlier year over later) is below "
                     "0.800 (central 0.90); holds only if the per-year ratio of the reporting rate (earlier year over "
                     "later) is at least 1.200 (central 1.00)")
    only_model = synthetic_tipping()
    only_model = only_model[~only_model["method"].str.startswith("arithmetic")]
    assert tipping_words(only_model, "S_doubling", "doubling") == (
        "With the other assumptions at their central values, by the model's median total: fails if the per-year "
        "ratio of flag completeness (earlier year over later) is below 0.500 (central 0.90)")


def test_a_per_year_tipping_value_is_also_given_over_the_span():
    """The doubling of 4,042 to 8,224 (published arithmetic, others neutral) tips at 2 x 4,042 / 8,224 = 0.983
    over three years, 0.983 ** (1/3) = 0.994 a year (synthetic copy of the baseline row)."""
    over_span = 2 * 4042 / 8224
    row = pd.DataFrame([{"claim_id": "S", "threshold_meaning": "doubling", "others_at": "neutral",
                         "method": "arithmetic on published totals (N9038, N9050)",
                         "assumption": "flag_completeness_ratio_per_year", "tipping_value": over_span ** (1 / 3),
                         "tipping_ratio_over_span": over_span, "span_years": 3, "reference_value": 1.0,
                         "holds_at_reference": True}])
    assert tipping_words(row, "S", "doubling").endswith("is below 0.994 a year, 0.983 over 3 years (central 1.00)")


def test_the_share_gets_the_configured_word_and_its_extremes_are_named_by_scenario():
    doubled = build().iloc[0]
    assert (doubled["share_word_baseline"], doubled["scenario_lowest"], doubled["scenario_highest"]) == (
        "uncertain", "wide", "narrow")
    assert build(words=SupportWords(holds=0.4, fails=0.05)).iloc[0]["share_word_baseline"] == "holds"
    assert build(words=SupportWords(holds=0.95, fails=0.4)).iloc[0]["share_word_baseline"] == "fails"
    assert share_text(doubled) == "40% at baseline: uncertain (10% in wide to 90% in narrow; 3 of 4 scenarios have a share)"


def test_a_partial_sum_is_said_to_be_one_and_shown_beside_the_modelled_total():
    """110 is the sum over 3 of 4 forces (synthetic); the modelled total of all four is 150 (130 to 191)."""
    finding = [{"claim": "110 offences", "checks": ["N9001"],
                "estimate": {"series": "s", "geography": "synth", "fiscal_year": "2018/19"}}]
    row = build(finding).iloc[0]
    assert row["data_value_means"] == "the sum of the printed figures of 3 of the 4 forces, not an estimate of the total"
    assert (row["estimate"], row["estimate_lower_90"], row["estimate_upper_90"]) == (150.0, 130.4, 190.6)
    assert data_text(row) == ("110 (the sum of the printed figures of 3 of the 4 forces, not an estimate of the total). "
                              "Modelled total: 150 (130 to 191), for all 4 forces, the 1 without a printed figure "
                              "imputed (median and 90% interval of the draws).")
    with pytest.raises(FindingsError, match="no estimate of s 2017/18"):
        build([{**finding[0], "estimate": {"series": "s", "geography": "synth", "fiscal_year": "2017/18"}}])


def test_a_verdict_that_turns_under_the_other_vintage_rule_says_so():
    claims = synthetic_claims().assign(verdict_other_vintage_rule=["reproduced", "contradicted", "not_reproducible",
                                                                   "not_reproducible"])
    table = findings_table(FINDINGS[:2], claims, synthetic_panel(), synthetic_support(), synthetic_tipping(), WORDS)
    assert list(table["verdict_other_vintage_rule"]) == ["", "contradicted"]
    assert verdict_text(table.iloc[1]) == "consistent (contradicted under the other vintage rule)"


def test_which_side_of_the_tipping_value_the_claim_holds_on():
    assert holds_above(0.8, 0.9, True) and holds_above(1.2, 1.0, False)
    assert not holds_above(0.8, 0.9, False) and not holds_above(1.2, 1.0, True)


def test_key_findings_take_every_number_from_the_table():
    sentences = key_findings(build())
    assert 3 <= len(sentences) <= 5
    assert sentences[0] == ("Of the 4 headline claims checked: 1 reproduced; 1 consistent with the data; 1 a force's "
                            "own figure in the ledger; 1 not testable with published force data.")
    assert sentences[1] == ("Doubled (reproduced as published): with the under-recording assumptions drawn, it holds "
                            "in 40% of the draws at baseline, so it is uncertain; across the scenarios, from 10% "
                            "(wide) to 90% (narrow).")
    assert sentences[2] == ("1 of the 4 claims cannot be reproduced from published figures; their rows say what "
                            "data would test them.")


def test_the_tipping_values_in_few_words_keep_every_value_and_side():
    """The findings table's cell: the same values, sides and settings as the sentences, shorter."""
    tipping = synthetic_tipping()
    extra = tipping.iloc[[0]].assign(assumption="recording_compliance_ratio_per_year")
    short = tipping_words(pd.concat([tipping, extra]), "S_doubling", "doubling", short=True)
    assert short == ("Others neutral (published totals): fails if recording compliance < 0.700 (central 0.90). "
                     "Others central (published totals): fails if flag completeness or recording compliance < 0.800 "
                     "(central 0.90); holds only if reporting rate ≥ 1.200 (1.00)")
    full = tipping_words(tipping, "S_doubling", "doubling")
    assert len(tipping_words(tipping, "S_doubling", "doubling", short=True)) < len(full) / 2
    assert build().loc[0, "tipping_values_short"] == tipping_words(tipping, "S_doubling", "doubling", short=True)


def test_the_figure_labels_say_the_draws_are_of_the_modelled_totals():
    """Figure 1's labels name what is drawn, the modelled totals of national_estimates.csv, not the
    published totals of the claim's description."""
    from online_csa.figures.model_figures import plot_claim_support
    from online_csa.report.findings import drawn_ratio_labels

    national = pd.DataFrame({"series": ["s"] * 3, "geography": ["synth"] * 3,
                             "fiscal_year": ["2015/16", "2018/19", "2019/20"], "estimate": [4271.0, 8844.0, None]})
    claims = [{"claim_id": "S_doubling", "from_year": "2015/16", "to_year": "2018/19"}]
    drawn = drawn_ratio_labels(claims, national, "s", "synth")
    assert drawn == {"S_doubling": "drawn: adjusted ratio of modelled totals 8,844\u00a0/\u00a04,271"}
    figure = plot_claim_support(synthetic_support().assign(description="Doubled (8,224 against 4,042)"), drawn)
    labels = [" ".join(t.get_text().split()) for t in figure.axes[0].get_yticklabels()]
    assert labels and all("modelled totals 8,844 / 4,271" in label for label in labels)
    with pytest.raises(FindingsError, match="2019/20"):
        drawn_ratio_labels([{**claims[0], "to_year": "2019/20"}], national, "s", "synth")
