"""The findings table: one row per headline claim, built from the claims, panel and sensitivity tables."""
import pandas as pd
import pytest

from online_csa.report.findings import FindingsError, findings_table, holds_above, key_findings, tipping_words


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


def build(findings=FINDINGS):
    return findings_table(findings, synthetic_claims(), synthetic_panel(), synthetic_support(), synthetic_tipping())


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


def test_tipping_values_in_words_use_the_published_arithmetic_with_the_others_central():
    words = tipping_words(synthetic_tipping(), "S_doubling", "doubling")
    assert words == ("fails if the per-year ratio of flag completeness (earlier year over later) is below 0.80 "
                     "(central 0.90); holds only if the per-year ratio of the reporting rate (earlier year over "
                     "later) is at least 1.20 (central 1.00)")


def test_which_side_of_the_tipping_value_the_claim_holds_on():
    assert holds_above(0.8, 0.9, True) and holds_above(1.2, 1.0, False)
    assert not holds_above(0.8, 0.9, False) and not holds_above(1.2, 1.0, True)


def test_key_findings_take_every_number_from_the_table():
    sentences = key_findings(build())
    assert 3 <= len(sentences) <= 5
    assert sentences[0] == ("Of the 4 headline claims checked: 1 reproduced, 1 consistent with the data, 1 a force's "
                            "own figure, as the ledger records it, 1 not testable with published force data.")
    assert "holds in 40% of the assumption draws at baseline and in 10% to 90% across the scenarios" in sentences[1]
    assert sentences[2] == ("1 of the 4 claims cannot be reproduced from published figures; their rows say what "
                            "data would test them.")
