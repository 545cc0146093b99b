"""Rule check_published_totals: predict every usable published total from an imputation that
did not see it (nor the other totals of its year over the same forces), under the new model, the
new model without its selection factor, and the previous method."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "check_published_totals")

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.models.imputation_validation import previous_constraints, published_total_checks  # noqa: E402
from online_csa.models.negative_binomial import fit_negative_binomial  # noqa: E402
from online_csa.models.selection_imputation import ProposalSettings, SelectionPrior  # noqa: E402
from online_csa.models.series_model import load_series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
prior = SelectionPrior(**par.selection_prior)
proposal = ProposalSettings(**par.proposal)
checks = []
for model in load_series_models(inp.series_models):
    series = model.series
    # robust=False: the previous method's draws use the model covariance only
    previous_fit = fit_negative_binomial(model.frame[model.frame["observed"]], design="year_effects",
                                         alpha_method=par.alpha_method, robust=False)
    checks.append(published_total_checks(model.frame, series, model.fit, model.candidates, par.draws, par.seed,
                                         previous=(previous_fit, previous_constraints(model.candidates)),
                                         oversample=par.proposals_per_draw, prior=prior, proposal=proposal,
                                         min_effective_sample_size=par.min_effective_sample_size))
write_table(pd.concat(checks, ignore_index=True), out.checks)
