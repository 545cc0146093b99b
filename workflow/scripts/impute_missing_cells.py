"""Rule impute_missing_cells: per series, from the mixed NB model fitted to the printed cells and the
published totals chosen to constrain the imputation (fit_count_models), impute every unprinted
force-year with a selection factor, conditioned on the applied totals; summarise cells, totals and
draws; list the observed panel values no model uses."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "impute_missing_cells")

import pandas as pd  # noqa: E402

from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402
from online_csa.models.imputation_tables import (constraints_table, force_year_table, national_table,  # noqa: E402
                                                 selection_table)
from online_csa.models.mixed_negative_binomial import year_effect_table  # noqa: E402
from online_csa.models.model_panel import panel_values_used_by_models  # noqa: E402
from online_csa.models.selection_imputation import (ProposalSettings, SelectionPrior,  # noqa: E402
                                                   impute_with_selection)
from online_csa.models.series_model import load_series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
panel = read_table(inp.panel, "panel")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
forces = list(geographies.geographies[par.geography].forces)
summary_geographies = {gid: geographies.geographies[gid].forces for gid in par.summary_geographies}
prior = SelectionPrior(**par.selection_prior)
proposal = ProposalSettings(**par.proposal)

tables = {name: [] for name in ("coefficients", "cells", "totals", "draws", "constraints", "selection")}
for model in load_series_models(inp.series_models):
    series = model.series
    imputed = impute_with_selection(model.frame, model.fit, model.candidates, par.draws, par.seed, prior=prior,
                                    oversample=par.proposals_per_draw, proposal=proposal)
    national, draws = national_table(imputed, summary_geographies)
    tables["coefficients"].append(year_effect_table(model.fit, series, par.min_cells_for_estimate))
    tables["cells"].append(force_year_table(imputed))
    tables["totals"].append(national)
    tables["draws"].append(draws)
    tables["constraints"].append(constraints_table(model.candidates, imputed))
    tables["selection"].append(selection_table(imputed, series, par.min_cells_for_estimate))

write_table(pd.concat(tables["coefficients"], ignore_index=True), out.coefficients)
write_table(pd.concat(tables["cells"], ignore_index=True), out.force_year_estimates)
write_table(pd.concat(tables["totals"], ignore_index=True), out.national_estimates)
write_table(pd.concat(tables["constraints"], ignore_index=True), out.constraints)
write_table(pd.concat(tables["selection"], ignore_index=True), out.selection)
pd.concat(tables["draws"], axis=1).to_csv(out.national_draws, index=False, lineterminator="\n", float_format="%.4f")
write_table(panel_values_used_by_models(panel, par.series, forces, par.geography), out.panel_values_used)
