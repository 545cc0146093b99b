"""Rule fit_structural_breaks: the count model with a trend and level steps (s.15A, pandemic year);
the s.15A step beside the published arithmetic."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "fit_structural_breaks")

from online_csa.common.fiscal_years import parse_fiscal_year  # noqa: E402
from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.models.model_panel import model_frame  # noqa: E402
from online_csa.models.negative_binomial import fit_negative_binomial  # noqa: E402
from online_csa.models.structural_breaks import break_table, s15a_step, trend_with_and_without_s15a  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
panel = read_table(inp.panel, "panel")
records = read_table(inp.claim_records, "claim_records").set_index("record_id")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
frame = model_frame(panel, par.series, list(geographies.geographies[par.geography].forces))
breaks = [parse_fiscal_year(b) for b in par.breaks]
fit = fit_negative_binomial(frame[frame["observed"]], design="interrupted_time_series", breaks=breaks,
                            alpha_method=par.alpha_method)
observed = frame[frame["observed"]]
table = break_table(fit, par.series, observed["year"], par.min_cells_for_estimate)
write_table(table, out.coefficients)
ids = [par.published_from_record, par.published_to_record, par.published_s15a_record]
published = {"from_total": float(records.loc[ids[0], "value"]), "to_total": float(records.loc[ids[1], "value"]),
             "s15a_total": float(records.loc[ids[2], "value"]), "records": "; ".join(ids)}
s15a_break = parse_fiscal_year(par.s15a_break)
write_table(trend_with_and_without_s15a(fit, par.series, par.from_year, par.to_year, s15a_break, published), out.trends)
write_table(s15a_step(table, s15a_break, published), out.s15a_step)
