"""Rule assumptions_explorer: the headline trend claims recomputed in the reader's browser from a
thinned set of the imputation's draws, a slider per assumption; an HTML fragment the report embeds."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "assumptions_explorer")

import pandas as pd  # noqa: E402

from online_csa.common.fiscal_years import parse_fiscal_year  # noqa: E402
from online_csa.common.tables import read_table  # noqa: E402
from online_csa.report import assumptions_explorer as explorer  # noqa: E402
from online_csa.report.findings import drawn_ratio_labels  # noqa: E402
from online_csa.sensitivity.recorded_totals import load_recorded_totals  # noqa: E402
from online_csa.sensitivity.support_words import SupportWords  # noqa: E402
from online_csa.sensitivity.trend_claims import trend_claims_from_config  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
mc = par.monte_carlo  # the baseline scenario's settings (scenario_monte_carlo in common.smk)
records = read_table(inp.claim_records, "claim_records").set_index("record_id")
totals = load_recorded_totals(pd.read_csv(inp.national_estimates), pd.read_csv(inp.national_draws), records,
                              mc["series"], mc["geography"], mc["s15a_counts"], parse_fiscal_year(mc["s15a_first_year"]))
claims = trend_claims_from_config(mc["trend_claims"], records)
drawn = drawn_ratio_labels(mc["trend_claims"], pd.read_csv(inp.national_estimates), mc["series"], mc["geography"])
draws = explorer.draws_table(totals, claims, par.explorer_draws)
claim_table = explorer.claims_table(totals, claims, drawn)
initial = explorer.initial_settings(mc["assumptions"])
words = SupportWords.from_config(par.claim_support_words)
chart = explorer.explorer_chart(draws, claim_table, initial, par.ranges, words)
with open(inp.bundle, encoding="utf-8") as handle:
    bundle = handle.read()
intro = explorer.explorer_intro(draws["draw"].nunique(), totals.n_draws, words)
with open(out.html, "w", encoding="utf-8") as handle:
    handle.write(explorer.explorer_fragment(chart.to_dict(), bundle, intro))
