"""Rule summarise_findings: one row per headline claim (results/tables/findings.csv) and its figure."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "summarise_findings")

import pandas as pd  # noqa: E402

from online_csa.common.tables import read_table, write_table  # noqa: E402
from online_csa.figures.data_figures import save  # noqa: E402
from online_csa.figures.model_figures import plot_claim_support  # noqa: E402
from online_csa.report.findings import findings_table  # noqa: E402
from online_csa.sensitivity.support_words import SupportWords  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
claim_support = pd.read_csv(inp.claim_support)
findings = findings_table(par.findings, read_table(inp.claims, "claims"), read_table(inp.panel, "panel"),
                          claim_support, pd.read_csv(inp.tipping_points),
                          SupportWords.from_config(par.claim_support_words), pd.read_csv(inp.national_estimates))
write_table(findings, out.findings)
save(plot_claim_support(claim_support), out.figure, par.dpi)
