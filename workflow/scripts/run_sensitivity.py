"""Rule run_sensitivity: Monte Carlo of the headline metrics under one scenario's under-recording
assumptions, the share of draws in which each claim holds, tornado, tipping points and curves."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "run_sensitivity")

import sys  # noqa: E402

import pandas as pd  # noqa: E402

from online_csa.sensitivity import monte_carlo as sens  # noqa: E402
from online_csa.sensitivity.dependence import dependence_text  # noqa: E402
from online_csa.sensitivity.distributions import assumptions_table, parse_assumptions  # noqa: E402
from online_csa.sensitivity.recorded_totals import load_recorded_totals  # noqa: E402
from online_csa.sensitivity.tipping_points import tipping_curves, tipping_points  # noqa: E402
from online_csa.sensitivity.trend_claims import trend_claims_from_config  # noqa: E402
from online_csa.common.fiscal_years import parse_fiscal_year  # noqa: E402
from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
mc = par.monte_carlo  # this scenario's settings (scenario_monte_carlo in common.smk)
specs = {k: v for k, v in mc["assumptions"].items() if k != "include_s15a"}
include_s15a = bool(mc["assumptions"].get("include_s15a", True))
assumptions = parse_assumptions(specs, required=sens.REQUIRED)
records = read_table(inp.claim_records, "claim_records").set_index("record_id")
totals = load_recorded_totals(pd.read_csv(inp.national_estimates), pd.read_csv(inp.national_draws), records,
                              mc["series"], mc["geography"], mc["s15a_counts"], parse_fiscal_year(mc["s15a_first_year"]))
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
claims = trend_claims_from_config(mc["trend_claims"], records, geographies)

joint = sens.joint_metrics(totals, claims, assumptions, include_s15a, mc["draws"], mc["seed"], mc["correlations"])
table = sens.run_sensitivity(totals, claims, assumptions, include_s15a, mc["draws"], mc["seed"], joint=joint)
write_table(table, out.sensitivity)
write_table(sens.claim_support(joint, claims), out.claim_support)
write_table(sens.tornado_table(table, assumptions), out.tornado)
write_table(tipping_points(totals, claims, assumptions, include_s15a), out.tipping_points)
write_table(tipping_curves(totals, claims, assumptions, include_s15a), out.tipping_curves)
described = assumptions_table(assumptions, specs, pd.read_csv(inp.under_recording_parameters), par.label_tolerance,
                              dependence_text(list(assumptions), mc["correlations"]))
write_table(described, out.assumptions)
for warning in described["label_warning"][described["label_warning"] != ""]:
    print(f"warning: {warning}", file=sys.stderr)
