"""Rule summarise_findings: one row per headline claim (results/tables/findings.csv) and its figure."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "summarise_findings")

import pandas as pd  # noqa: E402

from online_csa.common.tables import read_table, write_table  # noqa: E402
from online_csa.figures.data_figures import save  # noqa: E402
from online_csa.figures.model_figures import plot_claim_support  # noqa: E402
from online_csa.report.findings import drawn_ratio_labels, findings_table  # noqa: E402
from online_csa.sensitivity.support_words import SupportWords  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
claim_support = pd.read_csv(inp.claim_support)
national = pd.read_csv(inp.national_estimates)
findings = findings_table(par.findings, read_table(inp.claims, "claims"), read_table(inp.panel, "panel"),
                          claim_support, pd.read_csv(inp.tipping_points),
                          SupportWords.from_config(par.claim_support_words), national)
write_table(findings, out.findings)
drawn = drawn_ratio_labels(par.trend_claims, national, par.series, par.geography)
save(plot_claim_support(claim_support, drawn), out.figure, par.dpi)
