"""Rule check_claims: give every published figure and every headline claim a verdict with its basis."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "check_claims")

import pandas as pd  # noqa: E402

from online_csa.claims.check_claims import check_claims  # noqa: E402
from online_csa.common.geographies import GeographyMap  # noqa: E402
from online_csa.claims.headline_checks import headline_checks  # noqa: E402
from online_csa.common.table_schemas import validate_table  # noqa: E402
from online_csa.common.tables import read_table, write_table  # noqa: E402

inp, par = snakemake.input, snakemake.params
panel = read_table(inp.panel, "panel")
other_vintage_panel = read_table(inp.other_vintage_panel, "panel")
claim_records = read_table(inp.claim_records, "claim_records")
geographies = GeographyMap.from_files(inp.geographies, inp.police_forces)
per_record = check_claims(claim_records, panel, geographies, par.series, par.min_coverage_share, other_vintage_panel)
headline = headline_checks(claim_records, panel, geographies, par.headline_checks, other_vintage_panel)
claims = pd.concat([headline, per_record], ignore_index=True)
validate_table(claims, "claims")
write_table(claims, snakemake.output.claims, "claims")
