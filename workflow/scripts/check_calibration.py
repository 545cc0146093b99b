"""Rule check_calibration: leave each observed cell out in turn, refit, and check its 90% interval."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "check_calibration")

import pandas as pd  # noqa: E402

from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.models.imputation import calibration_summary, leave_one_out_calibration  # noqa: E402
from online_csa.models.model_panel import model_frame  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output  # noqa: F821
panel = read_table(inp.panel, "panel")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
forces = list(geographies.geographies[par.geography].forces)
cells, summaries = [], []
for series in par.series:
    frame = model_frame(panel, series, forces)
    for alpha_method in ("pearson", "ml"):
        calibration = leave_one_out_calibration(frame, "year_effects", alpha_method, par.draws, par.seed)
        cells.append(calibration.assign(alpha_method=alpha_method))
        summaries.append(calibration_summary(calibration).assign(alpha_method=alpha_method))
write_table(pd.concat(cells, ignore_index=True), out.cells)
write_table(pd.concat(summaries, ignore_index=True), out.summary)
