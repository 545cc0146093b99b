# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Appendix: provenance of every number
#
# > **In short.** Everything needed to rebuild this run: the configuration as run, the seeds,
# > the package versions and the checksum of every source file.
#
# What this report was built from: the source files and their checksums, the terms on which the
# data may be reused, the configuration in full, every seed and the versions of the packages that
# computed it. With these, the same commands give the same tables, byte for byte. Then every
# value in the panel and every claim, traced to the ledger records and the addresses of the sources that printed them (the same
# information is in `results/tables/panel.csv`, `claims.csv` and `ledger_routing.csv`).
#
# **What you can change.** Nothing: this appendix records the run. Any change to the
# configuration, a scenario or the data shows here after a rerun: from the project root,
# `.venv/bin/snakemake notebook_provenance describe_jobs`.

# %%
from pathlib import Path

import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import md, source_addresses, table
from online_csa.report.run_record import package_versions, seeds
from online_csa.report.data_availability import data_availability_markdown
from online_csa.common.tables import read_table
from online_csa.configuration.validation import read_yaml

job = pipeline_job(globals(), "notebook_provenance")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
panel = read_table(inp.panel, "panel")
claims = read_table(inp.claims, "claims")
sources = pd.concat([pd.read_csv(inp.force_figures, dtype=str), pd.read_csv(inp.national_figures, dtype=str)])
checksums = pd.read_csv(inp.checksums, dtype=str)
effective_config = read_yaml(inp.effective_config)  # what the run used, as record_configuration wrote it
effective_scenarios = read_yaml(inp.effective_scenarios)

# %% [markdown]
# ## Source files

# %%
table(checksums, ["file", "sha256_actual", "bytes"])

# %%
md(data_availability_markdown(pd.read_csv(inp.registry, dtype=str), pd.read_csv(inp.force_figures, dtype=str),
                              pd.read_csv(inp.national_figures, dtype=str),
                              pd.read_csv(inp.under_recording_parameters, dtype=str)))

# %% [markdown]
# ## Seeds and package versions

# %%
table(pd.DataFrame(seeds(effective_config, effective_scenarios)), caption="Every random stream and its seed.")
table(pd.DataFrame(package_versions()), caption="Python and the packages that computed this report.")

# %% [markdown]
# ## The configuration
#
# The configuration as the run saw it, after the user's changes and the schema's defaults
# (`results/run/effective_config.yaml`; the scenarios as they ran are in `effective_scenarios.yaml`,
# and the settings that differ from `config/config.yaml` are on the first page).

# %%
md(f"```yaml\n{Path(inp.effective_config).read_text()}```")

# %% [markdown]
# ## Panel values and their sources

# %%
valued = panel[panel["record_ids"] != ""].copy()
valued["sources"] = valued["record_ids"].map(lambda ids: source_addresses(ids, sources))
md(f"{len(valued)} panel cells cite at least one ledger record.")
table(valued, ["series", "force", "fiscal_year", "value", "status", "sources", "alternatives"])

# %% [markdown]
# ## Claims and their sources

# %%
claims["sources"] = claims["record_ids"].map(lambda ids: source_addresses(ids, sources))
table(claims, ["claim_id", "verdict", "sources", "input_record_ids"])
