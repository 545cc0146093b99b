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
# # 2. Cleaning: from ledger rows to a force by year panel
#
# > **In short.** Every ledger row lands in exactly one place, the panel, the claims or the
# > rejected table, with its reason; most force-years have no published figure, and those gaps
# > stay gaps.
#
# Every ledger row ends in exactly one place: the **panel** (a count for one force and
# one fiscal year), the **claims** (a figure to check, such as a percent change or a national
# total), or the **rejected** table, with its reason. This chapter shows the rules and what
# they did.
#
# The rules, in the order they apply:
#
# * force names are matched to `police_forces.csv` whatever the spelling; an unknown force
#   is rejected, never guessed;
# * identical figures printed by several outlets are one observation citing every record;
# * when sources disagree, one stated *vintage rule* chooses the value and the losing values
#   are kept in the `alternatives` column;
# * an empty value is a gap with its reason, never a zero;
# * a cell no source prints is `missing`; an offence that did not yet exist is `not_applicable`;
# * rates are per 100,000 children of the matching mid-year.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import figure, md, n, results_path, table
from online_csa.common.tables import read_table

job = pipeline_job(globals(), "notebook_cleaning")  # the Snakemake job, or in Jupyter the last run's
inp, params = job.input, job.params
panel = read_table(inp.panel, "panel")
rejected = read_table(inp.rejected, "rejected")
routing = read_table(inp.routing, "routing")

# %% [markdown]
# **What you can change.** Nothing here is computed in the notebook: it shows the cleaning stage's
# tables. The rules' settings (`cleaning:` in `config/config.yaml`, such as the vintage rule) and
# the reviewed exclusions (`config/corrections.csv`) need a rerun: from the project root,
# `.venv/bin/snakemake notebook_cleaning describe_jobs` reruns the cleaning, its figures and this chapter.

# %% [markdown]
# ## Where every row went

# %%
where = routing.drop_duplicates("record_id")["destination"].value_counts()
md(f"**{n(routing['record_id'].nunique())}** ledger rows: **{n(where.get('panel', 0))}** in the panel, "
   f"**{n(where.get('claims', 0))}** kept as claims, **{n(where.get('rejected', 0))}** rejected. "
   f"The vintage rule in force is `{params.vintage_rule}`; the panel starts in {params.first_fiscal_year}.")
table(routing.groupby(["destination", "role"]).size().rename("rows").reset_index())

# %% [markdown]
# ## The panel
#
# One row per series, force and fiscal year, for every force and every year, whether or not
# the ledger has a figure. Most cells are missing: the NSPCC publishes national totals, and
# only some forces' answers were printed anywhere.

# %%
status = panel.pivot_table(index="series", columns="status", values="force", aggfunc="count", fill_value=0)
table(status.reset_index(), caption="Panel cells by status")

# %% [markdown]
# ### Which cells have a figure
#
# One row per force and one column per year, coloured by status: the printed cells are the
# minority in every series, and some years have almost none.

# %%
figure(job.output.panel_coverage)

# %% [markdown]
# ## Conflicting sources
#
# Where sources print different values for the same force and year, the value chosen by the
# rule is in `value`; every other version, with its records and release date, is in
# `alternatives`.

# %%
conflicts = panel[panel["status"] == "conflicting"]
md(f"**{len(conflicts)}** cells have conflicting sources. The models and the sensitivity analysis use `value` "
   "only. The alternatives are read in two places: the claims stage tries them when a published total disagrees "
   "with the chosen values (a total printed before a force revised its figure may agree with the earlier "
   "figure), and the force-rates figure below draws them as open circles.")
table(conflicts, ["series", "force", "fiscal_year", "value", "alternatives"],
      caption=f"Record ids and notes of every cell are in {results_path(inp.panel)}")

# %% [markdown]
# ## Gaps a source reported
#
# A force that did not answer, said a figure was not held, or refused on cost grounds, is a
# gap with the source's own words, not a zero. A count printed suppressed (an asterisk, or
# "less than" a small number) is neither a gap nor a value: its `lower` and `upper` bounds go
# to the models, which impute the cell inside them.

# %%
gaps = panel[panel["status"] == "not_provided"]
md(f"**{len(gaps)}** cells are gaps a source reported.")
table(gaps, ["series", "force", "fiscal_year", "record_ids", "note"])
suppressed = panel[panel["status"] == "suppressed"]
md(f"**{len(suppressed)}** cells were printed as suppressed small counts.")
if len(suppressed):
    table(suppressed, ["series", "force", "fiscal_year", "lower", "upper", "record_ids", "note"])

# %% [markdown]
# ## Rejected rows
#
# Nothing is dropped silently. Each row below was kept out of the panel and the claims for
# the reason given; `config/corrections.csv` holds the reviewed exclusions.

# %%
md(f"**{len(rejected)}** rows rejected: " + ", ".join(
    f"{count} {reason.replace('_', ' ')}" for reason, count in rejected["reason"].value_counts().items()) + ". "
   "One row of each reason, to show what each looks like:")
table(rejected.drop_duplicates("reason"), caption=f"Every rejected row is in {results_path(inp.rejected)}")

# %% [markdown]
# ## Rates per child population
#
# Child populations are ONS mid-year estimates summed over each force area's local
# authorities. Mid-year estimates before and after the 2021 Census are on different bases, so
# a step between 2020/21 and 2021/22 in any rate is partly an artefact. The figure shows each
# force's rate per 100,000 children by year; filled orange points are conflicting cells (the value
# chosen) and open circles the values the vintage rule did not choose.

# %%
figure(job.output.force_rates)

# %% [markdown]
# ## Exercises
#
# * Pick a conflicting cell above. Find its records in `data/raw/force_figures.csv` and say why the
#   vintage rule chose the value it did; would the other rule (`cleaning.vintage_rule`, see
#   `docs/configuration.md`) choose differently?
# * Which reason rejects the most rows? Read two of them in `results/tables/rejected.csv` and
#   decide whether a rule, not a person, should have caught them.
# * In the coverage figure, which year has the fewest printed cells of the online series? Keep it
#   in mind in chapter four: how wide is that year's imputed interval?
