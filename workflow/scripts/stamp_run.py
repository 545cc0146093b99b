"""Rule stamp_run: commit, dirty flag, configuration hash and package versions -> results/run/run_stamp.json."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "stamp_run")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from online_csa.report.run_stamp import pinned_packages, run_stamp  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
stamp = run_stamp(par.commit, par.dirty, par.config_hash, pinned_packages(inp.requirements))
Path(out.stamp).write_text(json.dumps(stamp, indent=1) + "\n")
