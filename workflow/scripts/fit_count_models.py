"""Rule fit_count_models: per series, fit the mixed NB model to the printed cells and choose among
its published totals, once, for every model-stage job that imputes or validates."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "fit_count_models")

from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.common.tables import read_table  # noqa: E402
from online_csa.models.series_model import save_series_models, series_models  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
panel = read_table(inp.panel, "panel")
claim_records = read_table(inp.claim_records, "claim_records")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
save_series_models(series_models(panel, claim_records, geographies, par), out.series_models)
