"""Rule clean_ledger: raw ledger -> panel, claim records, rejected rows and the routing of every row."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "clean_ledger")

from online_csa.raw_data import ledger  # noqa: E402
from online_csa.cleaning.clean_ledger import clean_ledger  # noqa: E402
from online_csa.cleaning.routing import read_corrections  # noqa: E402
from online_csa.common.tables import write_table  # noqa: E402

inp, out, par = snakemake.input, snakemake.output, snakemake.params
cleaned = clean_ledger(
    force_figures=ledger.read_force_figures(inp.force_figures),
    national_figures=ledger.read_national_figures(inp.national_figures),
    police_forces=ledger.read_police_forces(inp.police_forces),
    child_population=ledger.read_child_population(inp.child_population),
    corrections=read_corrections(inp.corrections),
    series=par.series, first_fiscal_year=par.first_fiscal_year,
    vintage_rule=par.vintage_rule, age_band=par.population_age_band,
    suppressed_range=(par.suppressed_range["low"], par.suppressed_range["high"]),
)
write_table(cleaned.panel, out.panel, "panel")
write_table(cleaned.claim_records, out.claim_records, "claim_records")
write_table(cleaned.other_vintage_panel, out.other_vintage_panel, "panel")
write_table(cleaned.rejected, out.rejected, "rejected")
write_table(cleaned.routing, out.routing, "routing")
