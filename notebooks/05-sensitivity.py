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
# # 5. Sensitivity: the tip of the iceberg, in numbers a reviewer can change
#
# > **In short.** Whether a rise in recorded offences is a rise in offences depends on how flag
# > completeness, recording compliance and the reporting rate changed between the years; the
# > tipping points say how far each must move for a claim to fail.
#
# A recorded, flagged offence is the end of a chain: the offence came to police notice
# (reporting rate), police recorded it as a crime (recording compliance), and the record
# carries the online flag (flag completeness). So
#
# > offences = recorded flagged offences / (reporting rate × recording compliance × flag completeness)
#
# and a *trend* changes only if those rates changed between the two years. Each rate is an
# assumption with a distribution in `config/config.yaml`: its level in the later year of a
# comparison, and its change as a ratio **per year** (one year's rate over the next year's),
# compounded over the comparison's span, so the same assumption adjusts the three years from
# 2015/16 to 2018/19 (the ratio cubed) and the one year from 2018/19 to 2019/20 alike. The
# recorded totals come from the imputation of the previous chapter, with the part of them no
# published total pins scaled by a non-response multiplier. Every number below is recomputed
# when an assumption changes.

# %%
import pandas as pd

from online_csa.rule_support.pipeline_job import pipeline_job
from online_csa.report.narrative import figure, md, table

job = pipeline_job(globals(), "notebook_sensitivity")  # the Snakemake job, or in Jupyter the last run's
inp = job.input
par = job.params
assumptions = pd.read_csv(inp.assumptions)
sensitivity = pd.read_csv(inp.sensitivity)
tipping = pd.read_csv(inp.tipping_points)
first = par.trend_claims[0]
ratio_metric = f"adjusted ratio {first['to_year']} vs {first['from_year']}"
recorded_metric = f"recorded ratio {first['to_year']} vs {first['from_year']}"

# %% [markdown]
# ## The assumptions
#
# A beta or a lognormal has two parameters, so it cannot honour a centre and two percentiles
# at once. Each is fitted by one rule: the centre (the beta's mean, the lognormal's median) is
# matched exactly, and the spread is the smallest that puts the lower percentile at or below the
# `low` asked for and the upper one at or above the `high`. The bound further from the centre is met
# and the other lies beyond its request, so the distribution is never narrower than asked. The
# table shows the percentiles requested beside those drawn (`realised_*`); `central` is the value
# used when the others vary one at a time. A source that begins "judgement" means nothing
# measured the quantity.

# %%
md(f"{par.draws:,} joint draws, seed {par.seed}; s.15A offences "
   f"{'counted in' if par.include_s15a else 'removed from'} the flagged series.")
table(assumptions, ["assumption", "distribution", "requested_p05", "requested_centre", "requested_p95",
                    "realised_p05", "realised_median", "realised_p95", "central", "source", "evidence"])
warned = assumptions[assumptions["label_warning"].fillna("") != ""]
md("Where the draws lie further from the request than the tolerance (`monte_carlo.label_tolerance`):\n\n"
   + "\n".join(f"* {w}" for w in warned["label_warning"]) if len(warned) else
   "Every fitted distribution draws within the tolerance of what it was asked for.")

# %% [markdown]
# **How the assumptions depend on each other.** Each assumption has its own random stream, so
# assumptions are drawn *independently* unless `monte_carlo.correlations` ties a pair by a rank
# correlation (drawn through a Gaussian copula, each keeping its own distribution).

# %%
tied = assumptions[~assumptions["dependence"].str.startswith("independent")]
ties = []
for r in tied.itertuples():  # each pair is in both rows: say it once
    if not any(r.assumption in said for said in ties):
        ties.append(f"**{r.assumption}**: {r.dependence.split(' (Gaussian copula)')[0]}")
md("Here every assumption is independent of the others." if tied.empty else
   "Here every assumption is independent of the others except: " + "; ".join(ties) + ".")

# %% [markdown]
# ## The headline metrics under the assumptions
#
# An adjusted total belongs to a comparison: its name says which claim's comparison (the
# claim's short id) and whether the year is its earlier or later year, since the same year adjusted
# as the later year of one claim and the earlier year of another rests on different assumptions.

# %%
main = sensitivity[~sensitivity["variant"].str.startswith("one-way")]
table(main, ["variant", "metric", "median", "lower_90", "upper_90"])
joint = sensitivity[sensitivity["variant"] == "all assumptions drawn"].set_index("metric")
recorded = sensitivity[sensitivity["variant"] == "recorded only (no adjustment)"].set_index("metric")
iceberg = joint.filter(like="iceberg", axis=0).iloc[0]
md(f"Recorded, the imputed totals rise by a factor of **{recorded.loc[recorded_metric, 'median']:.2f}** "
   f"({recorded.loc[recorded_metric, 'lower_90']:.2f} to {recorded.loc[recorded_metric, 'upper_90']:.2f}) from "
   f"{first['from_year']} to {first['to_year']}. With every assumption drawn from its distribution, the rise in "
   f"offences is **{joint.loc[ratio_metric, 'median']:.2f}** ({joint.loc[ratio_metric, 'lower_90']:.2f} to "
   f"{joint.loc[ratio_metric, 'upper_90']:.2f}), and each recorded flagged offence stands for "
   f"**{iceberg['median']:.0f}** offences (90% interval {iceberg['lower_90']:.0f} to {iceberg['upper_90']:.0f}).")

# %% [markdown]
# ## Which assumption matters most (tornado)
#
# Each bar moves one assumption to the lower and upper ends of its central nine-tenths (the
# realised percentile columns above), the others at their central values.

# %%
figure(inp.tornado_png)

# %% [markdown]
# ## When a claim holds, and where it tips
#
# A claim **holds** when its ratio (later total over earlier total) is at least the threshold,
# unrounded, everywhere in this report: a ratio just short of two has not doubled. Each threshold is defined once
# in the configuration; a threshold the claims chapter also uses is read from the same key.
#
# A **tipping point** is the value of one assumption at which a claim stops holding, with the
# others held either at **neutral** values (no change in any rate between the years, no
# multiplier on non-response: the published arithmetic alone) or at their **central** values.
# Three methods: the arithmetic on the published totals; the median of the model's imputed
# totals; and the low end of the model's draws (below it the claim fails in more than one draw
# in twenty). A per-year ratio's tipping point is given per year (`tipping_value`) and as the
# ratio it implies over the comparison's span (`tipping_ratio_over_span`, the earlier year's
# rate over the later year's); the claim holds at values above it.

# %%
thresholds = tipping[tipping["claim_id"] == first["claim_id"]].drop_duplicates("threshold")
md("Thresholds of **\"" + first["description"] + "\"**: " + "; ".join(
    f"*{r.threshold_meaning}* at a ratio of {r.threshold:g} (`{r.threshold_source}`)" for r in thresholds.itertuples())
   + ".")
flag = tipping[(tipping["claim_id"] == first["claim_id"]) & (tipping["assumption"] == "flag_completeness_ratio_per_year")]


def tip(meaning, others_at, method_start):
    row = flag[(flag["threshold_meaning"] == meaning) & (flag["others_at"] == others_at)
               & flag["method"].str.startswith(method_start)].iloc[0]
    return row["tipping_ratio_over_span"], row["tipping_value"], int(row["span_years"])


lines = []
for meaning, threshold in zip(thresholds["threshold_meaning"], thresholds["threshold"]):
    arith_span, arith_year, span = tip(meaning, "neutral", "arithmetic")
    model_span, model_year, _ = tip(meaning, "neutral", "model: median")
    central_span, central_year, _ = tip(meaning, "central", "model: median")
    lines.append(
        f"* **{meaning}** (a ratio of at least {threshold:g}) fails if the online flag was applied in "
        f"{first['from_year']} at **{arith_span:.3f}** times its {first['to_year']} completeness or less "
        f"({arith_year:.3f} a year over {span} years), by the published arithmetic; at **{model_span:.3f}** "
        f"({model_year:.3f} a year) by the model's median of the imputed totals"
        + (", above 1: by the model it fails even with no change in flagging" if model_span > 1 else "")
        + f". With the other assumptions at their central values it fails at {central_span:.3f} "
        f"({central_year:.3f} a year) or less.")
central_flag = assumptions.set_index("assumption").loc["flag_completeness_ratio_per_year", "central"]
md("**\"" + first["description"] + "\"**, by the flag-completeness ratio:\n\n" + "\n".join(lines)
   + f"\n\nThe central assumption is {central_flag:.3f} a year ({central_flag ** span:.3f} over {span} years).")
shown = tipping[tipping["tipping_value"].notna() | (tipping["method"] == "switch")]
table(shown, ["claim_id", "threshold", "threshold_meaning", "others_at", "assumption", "method", "tipping_value",
              "tipping_ratio_over_span", "reference_value", "note"])
figure(inp.tipping_png)

# %% [markdown]
# ## What this can and cannot say

# %%
rise_span, _, span = tip("any rise", "neutral", "arithmetic")
double_span, double_year, _ = tip("doubling", "neutral", "arithmetic")
md(f"""* The **level** of offending depends on the reporting rate above all; the published anchors
  in the assumptions table (victims known to authorities, survivors who ever told police)
  leave a range of several-fold, which the interval shows.
* The **trend** depends only on how the rates *changed*. Nothing measures how completely the
  online flag was applied in {first['from_year']} compared with later years: that ratio is a judgement, and
  the two thresholds tip very differently. By the published arithmetic the rise itself vanishes
  only if the flag was applied in {first['from_year']} at {rise_span:.2f} times its {first['to_year']}
  completeness or less, but "doubled" fails if completeness was lower in {first['from_year']} by as little
  as {1 - double_span:.1%} ({double_span:.3f} over {span} years, {double_year:.4f} a year): any
  improvement in flagging larger than that erases the doubling, though not the rise.
* Non-response matters little to the trend once the published national totals constrain
  the imputation; a year whose imputed part the totals pin entirely does not move at all.
* The ratios are per year and compound over a comparison's span, so a three-year comparison
  carries three years of change in flagging and recording, a one-year comparison one.
* Assumptions are independent unless the configuration ties them; the ties in force are
  stated above, with the rank correlation of each.""")
