"""Rule compare_model_structures: the mixed model with random force slopes and with a dispersion
trend over years, each fitted by its marginal likelihood and scored by leave-one-cell-out beside
the plain structure."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "compare_model_structures")

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.models.model_structures import compare_structures  # noqa: E402
from online_csa.models.series_model import load_series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
structures = [compare_structures(model.fit, model.frame, model.series, par.draws, par.seed)
              for model in load_series_models(inp.series_models)]
write_table(pd.concat(structures, ignore_index=True), out.structures)
