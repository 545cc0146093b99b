"""Rule check_calibration: hold out every printed cell of one force (then of one year), refit, and
score the 90% intervals of the held-out cells under the new model and the previous one."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "check_calibration")

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.models.imputation_validation import held_out_cell_checks  # noqa: E402
from online_csa.models.selection_imputation import ProposalSettings, SelectionPrior  # noqa: E402
from online_csa.models.series_model import load_series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
prior = SelectionPrior(**par.selection_prior)
proposal = ProposalSettings(**par.proposal)
cells = []
for model in load_series_models(inp.series_models):
    series = model.series
    cells.append(held_out_cell_checks(model.frame, series, model.fit, model.candidates, par.draws, par.seed,
                                      par.alpha_method, oversample=par.proposals_per_draw, prior=prior,
                                      proposal=proposal, min_effective_sample_size=par.min_effective_sample_size))
write_table(pd.concat(cells, ignore_index=True), out.cells)
