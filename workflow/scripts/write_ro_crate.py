"""Rule ro_crate: the run as a Workflow Run RO-Crate, results/report/ro-crate.zip."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "ro_crate")

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from online_csa.report.run_crate import build_run_crate, write_crate_zip  # noqa: E402
from online_csa.report.run_record import KEY_PACKAGES, package_versions  # noqa: E402

inp, par = snakemake.input, snakemake.params
with tempfile.TemporaryDirectory() as scratch:
    crate = build_run_crate(
        Path.cwd(), workflow=inp.workflow, code=list(inp.workflow_code), raw_inputs=list(inp.raw),
        configuration=list(inp.configuration), outputs=list(inp.outputs), documentation=list(inp.documentation),
        config=dict(par.config), scenarios=list(par.scenarios),
        versions=package_versions(KEY_PACKAGES + ("altair", "vl-convert-python", "rocrate")),
        title=par.title, license_id="https://spdx.org/licenses/MIT", scratch=Path(scratch))
    write_crate_zip(crate, snakemake.output.crate)
