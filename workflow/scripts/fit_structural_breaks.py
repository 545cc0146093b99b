"""Rule fit_structural_breaks: the count model with a trend and level steps (s.15A, pandemic year)."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "fit_structural_breaks")

from online_csa.common.fiscal_years import parse_fiscal_year  # noqa: E402
from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.models.model_panel import model_frame  # noqa: E402
from online_csa.models.negative_binomial import coefficient_table, fit_negative_binomial  # noqa: E402
from online_csa.models.structural_breaks import trend_with_and_without_s15a  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output  # noqa: F821
panel = read_table(inp.panel, "panel")
records = read_table(inp.claim_records, "claim_records").set_index("record_id")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
frame = model_frame(panel, par.series, list(geographies.geographies[par.geography].forces))
breaks = [parse_fiscal_year(b) for b in par.breaks]
fit = fit_negative_binomial(frame[frame["observed"]], design="interrupted_time_series", breaks=breaks,
                            alpha_method=par.alpha_method)
write_table(coefficient_table(fit, par.series), out.coefficients)
ids = [par.published_from_record, par.published_to_record, par.published_s15a_record]
published = {"from_total": float(records.loc[ids[0], "value"]), "to_total": float(records.loc[ids[1], "value"]),
             "s15a_total": float(records.loc[ids[2], "value"]), "records": "; ".join(ids)}
write_table(trend_with_and_without_s15a(fit, par.series, par.from_year, par.to_year, parse_fiscal_year(par.s15a_break),
                                        published), out.trends)
