"""Rule check_cell_calibration: hold out each printed cell in turn, refit, and score its 90%
interval under the new model and the previous one, with no published total and with the totals
that contain it applied; every model's intervals also at every nominal level, and compared at
matched coverage with the method the printed-cell width target came from."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "check_cell_calibration")

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.models.imputation_validation import previous_constraints  # noqa: E402
from online_csa.models.leave_one_cell_out import WIDTH_COLUMNS, leave_one_cell_out_checks  # noqa: E402
from online_csa.models.selection_imputation import SelectionPrior  # noqa: E402
from online_csa.models.series_model import load_series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
prior = SelectionPrior(**par.selection_prior)
checks, curves, widths = [], [], []
for model in load_series_models(inp.series_models):
    totals = model.candidates if par.with_totals else None
    check = leave_one_cell_out_checks(model.frame, model.series, model.fit, par.draws, par.seed, par.alpha_method,
                                      totals, previous_constraints(model.candidates),
                                      oversample=par.proposals_per_draw, prior=prior,
                                      with_reference=model.series == par.width_series)
    checks.append(check.cells)
    if not check.widths.empty:  # the series the width target is about
        widths.append(check.widths)
    curves.append(check.curves)
write_table(pd.concat(checks, ignore_index=True), out.cells)
write_table(pd.concat(curves, ignore_index=True), out.curves)
write_table(pd.concat(widths, ignore_index=True)[WIDTH_COLUMNS], out.widths)
