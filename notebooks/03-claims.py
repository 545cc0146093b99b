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
# # 3. The claims, checked
#
# > **In short.** "Doubled" holds on the release's own recorded totals and falls short like for
# > like (whether offences, not records, doubled is the sensitivity chapter's question); most
# > national figures can be checked only in part, because force data cover only some forces each
# > year. The verdict counts and each headline check follow.
#
# Every published figure that is not a single force-year count is a claim: national and
# regional totals, percent changes, cumulative totals, "a day" rates, shares, ages and bounds.
# Each gets one verdict:
#
# * **reproduced**: complete data give the printed figure (to the precision printed);
# * **consistent**: the data are incomplete, and the printed figure is within what the missing
#   forces or years could add;
# * **contradicted**: the data rule the printed figure out;
# * **not reproducible**: published force data cannot test it.
#
# Headline claims that need several releases at once are checked first.

# %% [markdown]
# **A headline check is judged on its own calculation.** Its verdict applies to the comparison
# its basis describes. The like-for-like doubling, for instance, compares only the forces with
# figures in both years: *contradicted* there means the ratio on those forces falls short of the
# printed claim, and says nothing about the forces outside the set, whose share of the children is
# given beside it. A verdict on the whole area would need the missing forces, which chapter four
# imputes.
#
# **What you can change.** Nothing here is computed in the notebook. The claim checks' settings
# (`claims:` and `headline_checks:` in `config/config.yaml`, such as the doubling threshold or the
# coverage a reproduction needs) need a rerun: from the project root,
# `.venv/bin/snakemake notebook_claims describe_jobs` reruns the checks, their figures and this chapter.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import figure, md, n, pct, results_path, table, verdict_counts
from online_csa.common.tables import read_table

job = pipeline_job(globals(), "notebook_claims")  # the Snakemake job, or in Jupyter the last run's
inp, par = job.input, job.params
claims = read_table(inp.claims, "claims")
headline = claims[claims["level"] == "headline"].set_index("claim_id")
counts = verdict_counts(claims)

# %%
md(f"**{len(claims)}** claims checked: **{counts['reproduced']}** reproduced, **{counts['consistent']}** "
   f"consistent, **{counts['contradicted']}** contradicted and **{counts['not_reproducible']}** not "
   "reproducible from published force data.")

# %% [markdown]
# ### Verdicts by kind of claim
#
# How many claims of each level (headline, national or regional, force) got each verdict.

# %%
figure(job.output.claim_verdicts)

# %% [markdown]
# ## The headline claims

# %%
like_for_like = headline.loc["H01a_doubling_like_for_like"]
release_totals = headline.loc["H01b_doubling_release_totals"]
base = headline.loc["H02b_base_2015_16_adds_northern_ireland"]
vintages = headline.loc["H03_2018_19_total_two_releases"]
plus16 = headline.loc["H04_plus16_to_10391"]
s15a = headline.loc["H05_s15a_could_account_for_rise"]
md(f"""
* **"Doubled since 2015/16."** Two calculations, two verdicts. The release's own totals give
  **{release_totals['reproduced_value']:.3f}** (*{release_totals['verdict']}*: {release_totals['note']}).
  On the forces with figures for both years, offences went up by a factor of
  **{like_for_like['reproduced_value']:.3f}** (*{like_for_like['verdict']}*: {like_for_like['note']}); those
  forces hold {pct(like_for_like['coverage_share'])} of the children, so this like-for-like ratio speaks for
  them, not for the whole area. {like_for_like['basis']}.
* **The moving 2015/16 base.** {headline.loc['H02a_base_2015_16_first_revision', 'basis']}.
  {headline.loc['H02a_base_2015_16_first_revision', 'note']}. The last step is {base['basis']}: *{base['verdict']}*.
* **Two totals for 2018/19.** {vintages['basis']} (*{vintages['verdict']}*).
* **"+16%" to 2019/20.** {plus16['basis']} (*{plus16['verdict']}*).
* **The new offence.** {s15a['basis']}. {s15a['note']}.
""")

# %% [markdown]
# ## Which vintage decides a verdict
#
# Where sources print different values for the same force and year, the panel keeps one by a
# stated rule (`cleaning.vintage_rule`) and the others as alternatives. Every claim is also
# judged on the panel built with the other rule (`verdict_other_vintage_rule`).

# %%
changed = claims[claims["verdict_other_vintage_rule"].notna()
                 & (claims["verdict"] != claims["verdict_other_vintage_rule"])]
changed_headline = changed[changed["level"] == "headline"]
md(f"The panel takes the **{par.vintage_rule.replace('_', ' ')}** value (`cleaning.vintage_rule`). With the "
   f"other rule instead, **{len(changed)}** of {len(claims)} verdicts change, "
   f"{len(changed_headline)} of them {'a headline claim' if len(changed_headline) == 1 else 'headline claims'}"
   + ("" if changed_headline.empty else ": " + "; ".join(
       f"**{r.claim_id}** *{r.verdict}* -> *{r.verdict_other_vintage_rule}* ({r.note})"
       for r in changed_headline.itertuples()))
   + ". A headline verdict that changes rests on which release is believed, not on the data alone.")
table(changed, ["claim_id", "fiscal_year", "published_value", "reproduced_value", "verdict",
                "verdict_other_vintage_rule", "note"])

# %% [markdown]
# ## National totals as printed, beside what force data support
#
# Points are totals as each release printed them (shape: the area covered; colour: the year
# of release). Bars are the sum of the force figures in the ledger, which covers only some
# forces each year.

# %%
figure(job.output.national_series)

# %% [markdown]
# ## The claims the data contradict
#
# `basis` says what was computed from which records; `coverage_share` is the share of the
# area's children that the force data cover.

# %%
order = {"headline": 0, "national": 1, "force": 2}
shown = claims.sort_values(["level", "claim_id"], key=lambda s: s.map(order) if s.name == "level" else s)
contradicted = shown[shown["verdict"] == "contradicted"]
table(contradicted, ["claim_id", "level", "fiscal_year", "geography", "measure", "published_value",
                     "reproduced_value", "coverage_share", "basis", "note"],
      caption=f"The {len(contradicted)} contradicted claims; all {len(claims)}, with every verdict, are in "
      f"{results_path(inp.claims)}")

# %% [markdown]
# ## Exercises
#
# * Open `results/tables/claims.csv` and pick a national claim that is *consistent*. What would the
#   missing forces have to add for it to be *reproduced*, and is that plausible given the force
#   figures in chapter two?
# * The two doubling checks disagree. Write down, from their `basis`, exactly which forces and
#   which totals each compares; which one answers the question "did offences double?"
# * Chapter five asks the same question after under-recording. Before reading it, guess how much
#   less completely the online flag would have to have been applied in the earlier year for the
#   release totals to stop showing a doubling; then check your guess there.
