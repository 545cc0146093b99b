"""Rule record_configuration: the effective configuration and scenarios -> results/run/, with
the settings that differ from config/config.yaml and the scenarios they altered."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "record_configuration")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from online_csa.common.tables import write_table  # noqa: E402
from online_csa.configuration.effective import config_changes, to_yaml  # noqa: E402
from online_csa.configuration.validation import check_config, read_yaml  # noqa: E402

inp, par, out = snakemake.input, snakemake.params, snakemake.output
Path(out.config).write_text(to_yaml(par.config))
Path(out.scenarios).write_text(to_yaml(par.scenarios))
defaults = check_config(read_yaml(inp.defaults), par.schema, source=inp.defaults)
changes = config_changes(par.config, defaults, par.scenarios)
write_table(pd.DataFrame(changes, columns=["key", "default", "this_run", "scenarios_altered"]), out.changes)
