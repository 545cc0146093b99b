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
# # 1. The data and where they come from
#
# > **In short.** The raw files are exactly the files the registry describes (the run stops,
# > naming the file, when one differs), and the ledger holds every published figure we found,
# > each with the address it was read at.
#
# The NSPCC asks every UK police force, under the Freedom of Information Act, how many
# child sexual offences it recorded with an "online" (cyber) flag, and publishes the totals
# each year. Local newspapers print each force's own answer. This project's *source ledger*
# collects every such figure we could find, one row per figure per source, each with the
# address it was read at. Nothing in it is estimated except the child populations.
#
# This chapter answers three questions: which files are the raw data, are they the files the
# registry describes (checksums), and what does the ledger hold?
#
# **What you can change.** Nothing here is computed in the notebook: it reads the registry, the
# checksums and the ledger. A changed raw file stops the pipeline until its checksum in
# `data/sources.csv` is updated; after that, from the project root,
# `.venv/bin/snakemake notebook_data_and_provenance describe_jobs` reruns the checks and this chapter.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import md, n, table

job = pipeline_job(globals(), "notebook_data_and_provenance")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
registry = pd.read_csv(inp.registry, dtype=str)
checksums = pd.read_csv(inp.checksums, dtype=str)
forces = pd.read_csv(inp.force_figures, dtype=str)
national = pd.read_csv(inp.national_figures, dtype=str)

# %% [markdown]
# ## The raw files and their checksums
#
# The raw files are vendored unchanged into `data/raw/`. The registry `data/sources.csv`
# records who published each, what it covers, how it was obtained and its sha256. The
# pipeline's first step recomputes every checksum and stops if any differs.

# %%
verified = registry.merge(checksums[["file", "sha256_actual", "bytes"]], on="file", how="left")
md(f"All **{len(checksums)}** registered data files match their recorded sha256.")
table(verified, ["file", "publisher", "covers", "records", "sha256"])

# %% [markdown]
# ## What the ledger holds
#
# Force-level rows are figures about one police force; national rows are the headline
# figures of a release (national or regional). A *measure* says what a figure counts:
# counts of a series go to the panel, everything derived from counts is a claim to check.

# %%
md(f"The ledger has **{n(len(forces))}** force-level rows about **{forces['force'].nunique()}** "
   f"named forces and **{n(len(national))}** national or regional headline rows, from "
   f"**{forces['source_url'].nunique() + national['source_url'].nunique()}** source addresses.")
by_measure = (pd.concat([forces.assign(file="force_figures"), national.assign(file="national_figures")])
              .groupby(["file", "measure"]).size().rename("rows").reset_index()
              .sort_values(["file", "rows"], ascending=[True, False]))
table(by_measure, caption="Rows per measure")
