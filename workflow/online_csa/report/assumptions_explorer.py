"""The assumptions explorer: the headline trend claims recomputed in the reader's browser.

The sensitivity stage adjusts a claim's ratio for how flagging, recording, reporting and
non-response changed (sensitivity/monte_carlo.py):

    N_t = fixed_t + nonresponse_multiplier * free_t  [- s15a_flagged_share * s15a_t, if s.15A is out of scope]
    adjusted ratio = N_to / N_from * (flag_completeness_ratio_per_year * recording_compliance_ratio_per_year
                                      * reporting_rate_ratio_per_year) ** span_years

where fixed_t is the observed sum plus the imputed part published totals pin, and free_t the
imputed part no total pins (recorded_totals.py). The explorer embeds a thinned set of the
imputation's draws of fixed_t and free_t, one row per draw and claim, and lets the
reader set each assumption with a slider (s.15A in or out with a checkbox). For the values
chosen, the browser evaluates the formula on every embedded draw with Vega-Lite expressions and
shows each claim's adjusted ratio (median and central 90% of the draws), the share of draws in
which it holds (ratio at least the threshold, unrounded) and the word for that share, by the one
rule every stage uses (`sensitivity.claim_support_words`, sensitivity/support_words.py).

With every assumption fixed, the only draws are the imputation's, so the share it shows is not the
share of joint draws (assumptions drawn too) that the findings page and chapter 5 report: at the
starting values it is the sensitivity stage's "central values" variant. The level assumptions
(flag completeness, recording compliance and reporting rate in the later year) cancel in a
ratio, so they have no slider.

`adjusted_ratios` and `summary` are the same computation in Python: the tests compare them with
the sensitivity stage called with the same fixed assumptions, and with what the browser shows.
The chart is a Vega-Lite specification built with Altair; `explorer_fragment` inlines the
Vega-Embed bundle so the page loads nothing from the network.
"""
from __future__ import annotations

import html
import json

import altair as alt
import numpy as np
import pandas as pd

from online_csa.common.intervals import LOWER, UPPER
from online_csa.sensitivity.distributions import parse_assumption
from online_csa.sensitivity.metric_names import short_claim_id
from online_csa.sensitivity.recorded_totals import RecordedTotals
from online_csa.sensitivity.support_words import FAILS, HOLDS, UNCERTAIN, SupportWords
from online_csa.sensitivity.trend_claims import TrendClaim

RATIO_SLIDERS = ("flag_completeness_ratio_per_year", "recording_compliance_ratio_per_year",
                 "reporting_rate_ratio_per_year")
SLIDERS = RATIO_SLIDERS + ("nonresponse_multiplier", "s15a_flagged_share")
SWITCH = "include_s15a"
SLIDER_LABELS = {
    "flag_completeness_ratio_per_year": "Flag completeness, one year over the next ",
    "recording_compliance_ratio_per_year": "Recording compliance, one year over the next ",
    "reporting_rate_ratio_per_year": "Reporting rate, one year over the next ",
    "nonresponse_multiplier": "Non-response multiplier on cells no total pins ",
    "s15a_flagged_share": "Share of s.15A offences flagged (when s.15A is out) ",
}
SWITCH_LABEL = "Count s.15A offences (as the NSPCC does) "
NOT_COMPUTABLE = "not computable: no published s.15A count for one of the years"
ELEMENT_ID = "assumptions-explorer"

# The embedded data: one row per imputation draw and claim, and one row per claim.
DRAW_COLUMNS = ["draw", "claim_id", "fixed_from", "free_from", "fixed_to", "free_to"]
CLAIM_COLUMNS = ["claim_id", "short_id", "claim", "from_year", "to_year", "span_years", "s15a_from", "s15a_to",
                 "thresholds", "meanings", "ranks"]


def thinned_indices(n_draws: int, draws: int) -> np.ndarray:
    """`draws` imputation draws spread evenly over the `n_draws` there are (all of them when
    there are no more than asked). The draws are exchangeable, so an even spread is a sample."""
    if draws >= n_draws:
        return np.arange(n_draws)
    return np.arange(draws) * n_draws // draws


def _parts(totals: RecordedTotals, year: str, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fixed_t (the observed sum plus the pinned part, added as recorded_total adds them) and
    free_t for the imputation draws `index`."""
    imputed = totals.imputed[year][index]
    free = imputed if totals.free is None else totals.free[year][index]
    return totals.observed[year] + (imputed - free), free


def draws_table(totals: RecordedTotals, claims: list[TrendClaim], draws: int) -> pd.DataFrame:
    """For each thinned imputation draw and each claim, the fixed and free parts of the recorded
    totals of the claim's two years."""
    index = thinned_indices(totals.n_draws, draws)
    frames = []
    for claim in claims:
        fixed_from, free_from = _parts(totals, claim.from_year, index)
        fixed_to, free_to = _parts(totals, claim.to_year, index)
        frames.append(pd.DataFrame({"draw": index, "claim_id": claim.claim_id, "fixed_from": fixed_from,
                                    "free_from": free_from, "fixed_to": fixed_to, "free_to": free_to}))
    return pd.concat(frames, ignore_index=True)[DRAW_COLUMNS]


# A claim's label and what is drawn for it (report.findings.drawn_ratio_labels) are two lines of the
# chart's axis label, split here.
LABEL_BREAK = " | "


def claims_table(totals: RecordedTotals, claims: list[TrendClaim], drawn: dict[str, str] | None = None) -> pd.DataFrame:
    """For each claim: its label (its description, and what is drawn where `drawn` says), its span,
    the published s.15A counts of its two years (NaN where none is published) and its thresholds,
    their meanings and their order."""
    drawn = drawn or {}
    rows = [{"claim_id": c.claim_id, "short_id": short_claim_id(c.claim_id),
             "claim": c.description + (LABEL_BREAK + drawn[c.claim_id] if c.claim_id in drawn else ""),
             "from_year": c.from_year, "to_year": c.to_year, "span_years": c.span_years,
             "s15a_from": totals.s15a.get(c.from_year, np.nan), "s15a_to": totals.s15a.get(c.to_year, np.nan),
             "thresholds": [t.ratio for t in c.thresholds], "meanings": [t.meaning for t in c.thresholds],
             "ranks": list(range(len(c.thresholds)))} for c in claims]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: a missing number becomes null (NaN is not JSON)."""
    def clean(value):
        if isinstance(value, (float, np.floating)):
            return None if np.isnan(value) else float(value)
        if isinstance(value, (np.integer,)):
            return int(value)
        return value
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _recorded(fixed, free, s15a, settings: dict) -> np.ndarray:
    n = fixed + settings["nonresponse_multiplier"] * free
    if settings[SWITCH]:
        return n
    return n - settings["s15a_flagged_share"] * s15a  # NaN where no s.15A count is published


def adjusted_ratios(draws: pd.DataFrame, claims: pd.DataFrame, settings: dict) -> np.ndarray:
    """Each draw row's adjusted ratio under `settings` (a value for each of SLIDERS, and SWITCH):
    the formula the browser evaluates, in the order it evaluates it."""
    rows = draws.merge(claims[["claim_id", "span_years", "s15a_from", "s15a_to"]], on="claim_id", how="left",
                       validate="many_to_one")
    n_from = _recorded(rows["fixed_from"].to_numpy(float), rows["free_from"].to_numpy(float),
                       rows["s15a_from"].to_numpy(float), settings)
    n_to = _recorded(rows["fixed_to"].to_numpy(float), rows["free_to"].to_numpy(float),
                     rows["s15a_to"].to_numpy(float), settings)
    per_year = settings[RATIO_SLIDERS[0]] * settings[RATIO_SLIDERS[1]] * settings[RATIO_SLIDERS[2]]
    return n_to / n_from * np.power(per_year, rows["span_years"].to_numpy(float))


def verdict(share_holding: float, words: SupportWords) -> str:
    """The word for the share of draws in which the claim holds (`words`, the rule every stage
    uses); NOT_COMPUTABLE when there is no share."""
    return words.word(share_holding) or NOT_COMPUTABLE


def result_text(short_id: str, meaning: str, median: float, lower: float, upper: float, share: float,
                words: SupportWords) -> str:
    """The sentence the explorer shows for one claim and threshold (the browser builds the same)."""
    if np.isnan(median):
        return f"{short_id}, {meaning}: {NOT_COMPUTABLE}"
    return (f"{short_id}, {meaning}: ratio {median:.2f} (90% of draws {lower:.2f} to {upper:.2f}); "
            f"holds in {100 * share:.1f}% of draws: {verdict(share, words)}")


def summary(draws: pd.DataFrame, claims: pd.DataFrame, settings: dict, words: SupportWords) -> pd.DataFrame:
    """Per claim and threshold: the adjusted ratio's median and central 90% over the embedded
    draws, the share of draws in which the claim holds, the verdict and the sentence shown."""
    ratios = pd.Series(adjusted_ratios(draws, claims, settings), index=draws.index)
    rows = []
    for claim in claims.itertuples():
        valid = ratios[draws["claim_id"] == claim.claim_id].dropna().to_numpy()
        for threshold, meaning in zip(claim.thresholds, claim.meanings):
            if len(valid) == 0:
                lower = median = upper = share = np.nan
            else:
                lower, median, upper = (float(v) for v in np.quantile(valid, [LOWER, 0.5, UPPER]))
                share = float(np.mean(valid >= threshold))
            rows.append({"claim_id": claim.claim_id, "short_id": claim.short_id, "meaning": meaning,
                         "threshold": float(threshold), "median": median, "lower_90": lower, "upper_90": upper,
                         "share_holding": share, "verdict": verdict(share, words),
                         "text": result_text(claim.short_id, meaning, median, lower, upper, share, words)})
    return pd.DataFrame(rows)


def _result_expression(words: SupportWords) -> str:
    """The Vega expression of `result_text` (and `verdict`)."""
    verdict_expr = (f"(datum.share >= {words.holds!r} ? '{HOLDS}' : datum.share <= {words.fails!r} ? '{FAILS}' "
                    f": '{UNCERTAIN}')")
    computed = ("datum.short_id + ', ' + datum.meaning + ': ratio ' + format(datum.median, '.2f')"
                " + ' (90% of draws ' + format(datum.lower, '.2f') + ' to ' + format(datum.upper, '.2f')"
                f" + '); holds in ' + format(100 * datum.share, '.1f') + '% of draws: ' + {verdict_expr}")
    return (f"isValid(datum.median) && isFinite(datum.median) ? {computed} : "
            f"datum.short_id + ', ' + datum.meaning + ': {NOT_COMPUTABLE}'")


def _recorded_expression(side: str) -> str:
    s15a = f"(isValid(datum.s15a_{side}) ? s15a_flagged_share * datum.s15a_{side} : NaN)"
    return f"datum.fixed_{side} + nonresponse_multiplier * datum.free_{side} - ({SWITCH} ? 0 : {s15a})"


def explorer_params(initial: dict, ranges: dict) -> list:
    """One slider per assumption of SLIDERS (from `ranges`: min, max, step), starting at `initial`,
    and a checkbox for s.15A."""
    params = []
    for name in SLIDERS:
        r = ranges[name]
        if not r["min"] <= initial[name] <= r["max"]:
            raise ValueError(f"report.explorer.ranges.{name}: the starting value {initial[name]:g} lies outside "
                             f"{r['min']:g} to {r['max']:g}")
        params.append(alt.param(name=name, value=initial[name], bind=alt.binding_range(
            min=r["min"], max=r["max"], step=r["step"], name=SLIDER_LABELS[name])))
    params.append(alt.param(name=SWITCH, value=bool(initial[SWITCH]), bind=alt.binding_checkbox(name=SWITCH_LABEL)))
    return params


def explorer_chart(draws: pd.DataFrame, claims: pd.DataFrame, initial: dict, ranges: dict, words: SupportWords,
                   width: int = 640) -> alt.VConcatChart:
    """The explorer: each claim's adjusted ratio in every embedded draw against its thresholds,
    and below it one sentence per claim and threshold, all recomputed as the controls move."""
    claim_rows = _records(claims)
    claim_axis = alt.Y("claim:N", title=None, sort=[c["claim"] for c in claim_rows],
                       axis=alt.Axis(labelLimit=320, labelExpr=f"split(datum.label, '{LABEL_BREAK}')"))
    ratio_x = alt.X("ratio:Q", title="adjusted ratio (the later year's offences over the earlier year's)",
                    scale=alt.Scale(zero=False))
    ticks = alt.Chart().mark_tick(opacity=0.2, thickness=1, color="#555").encode(x=ratio_x, y=claim_axis)
    medians = alt.Chart().mark_point(filled=True, size=90, color="black", opacity=1).encode(
        x="median(ratio):Q", y=claim_axis)
    thresholds = (alt.Chart(alt.Data(values=claim_rows)).mark_tick(color="#c0392b", thickness=2, size=26)
                  .transform_flatten(["thresholds", "meanings"], as_=["threshold", "meaning"])
                  .encode(x="threshold:Q", y=claim_axis, tooltip=["meaning:N", "threshold:Q"]))
    distribution = alt.layer(ticks, thresholds, medians).properties(
        width=width, height=40 * len(claim_rows),  # room for a two-line label per claim
        title="The adjusted ratio in each embedded draw (grey), its median (black), the thresholds (red)")

    groups = ["row", "short_id", "meaning", "threshold"]
    results = (alt.Chart().mark_text(align="left", baseline="middle", fontSize=13)
               .encode(x=alt.value(0), y=alt.Y("row:O", axis=None), text="result:N")
               .transform_flatten(["thresholds", "meanings", "ranks"], as_=["threshold", "meaning", "rank"])
               .transform_calculate(row="datum.claim_id + ' ' + datum.rank",
                                    holds="isFinite(datum.ratio) ? (datum.ratio >= datum.threshold ? 1 : 0) : null")
               .transform_joinaggregate(share="mean(holds)", groupby=["row"])
               .transform_quantile("ratio", probs=[LOWER, 0.5, UPPER], groupby=groups + ["share"],
                                   as_=["prob", "value"])
               .transform_calculate(q="datum.prob < 0.5 ? 'lower' : datum.prob > 0.5 ? 'upper' : 'median'")
               .transform_pivot("q", value="value", groupby=groups + ["share"])
               .transform_calculate(result=_result_expression(words))
               .properties(width=width, height=24 * sum(len(c["thresholds"]) for c in claim_rows),
                           title="Each claim and threshold at these settings"))

    fields = [c for c in CLAIM_COLUMNS if c != "claim_id"]
    chart = (alt.vconcat(distribution, results, data=draws)
             .transform_lookup(lookup="claim_id", from_=alt.LookupData(alt.Data(values=claim_rows), "claim_id", fields))
             .transform_calculate(n_from=_recorded_expression("from"), n_to=_recorded_expression("to"))
             .transform_calculate(ratio=f"datum.n_to / datum.n_from * pow({' * '.join(RATIO_SLIDERS)}, datum.span_years)"))
    return chart.add_params(*explorer_params(initial, ranges)).configure_view(stroke=None)


def initial_settings(assumptions: dict) -> dict:
    """Where the controls start: each slider at its assumption's central value in `assumptions`
    (the baseline scenario's, as the sensitivity stage's "central values" use them), to six
    significant digits so the page shows a readable number; s.15A as the scenario counts it."""
    settings = {name: float(f"{parse_assumption(name, assumptions[name]).central:.6g}") for name in SLIDERS}
    settings[SWITCH] = bool(assumptions.get(SWITCH, True))
    return settings


def explorer_intro(embedded: int, total: int, words: SupportWords) -> str:
    """What the explorer computes and how to read it, as HTML."""
    return (
        f"<p>Move a slider to set one assumption: the page recomputes each headline trend claim on {embedded:,} of "
        f"the imputation's {total:,} draws of the recorded totals (spread evenly over them), by the formula of the "
        "sensitivity chapter with every assumption fixed at the values shown. The three rates' changes are per "
        "year (one year's value over the next year's), compounded over the claim's span; the non-response "
        "multiplier scales the imputed cells that no published total pins; with s.15A offences left out, the "
        "published s.15A count times the flagged share is taken off each year that has one. The levels of the "
        "three rates cancel in a ratio, so they have no slider. The sliders start at the baseline scenario's "
        "central values.</p>"
        "<p>A claim holds in a draw when its ratio is at least the threshold, unrounded. The verdict is "
        f"<em>{HOLDS}</em> when the claim holds in at least {words.holds:.0%} of the draws, <em>{FAILS}</em> when "
        f"in at most {words.fails:.0%}, and <em>{UNCERTAIN}</em> otherwise, the rule the findings and the "
        "sensitivity chapter use. Here every assumption is fixed at the value shown, so the only draws are the "
        "imputation's: at the starting values the shares are those of the sensitivity chapter's <em>central "
        "values</em>, not the shares of joint draws (assumptions drawn as well) in the findings and Figure 1, "
        "and the two can differ widely. The explorer "
        "computes everything in the browser and needs nothing from the network.</p>")


def vega_embed_bundle() -> str:
    """The Vega-Embed JavaScript bundle (Vega, Vega-Lite and Vega-Embed) from vl-convert, for the
    Vega-Lite version whose schema Altair writes (about 3 s of CPU: see report.vendored_javascript)."""
    import vl_convert

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return vl_convert.javascript_bundle(vl_version=f"v{major}_{minor}")



def explorer_fragment(spec: dict, bundle: str, intro_html: str = "") -> str:
    """An HTML fragment (no <html> wrapper): a <div>, the Vega-Embed bundle inlined and the call
    that draws `spec` into the div, as SVG (its text can be read) and without the actions menu
    (whose links lead off the page). The bundle runs as a module, so its top-level names cannot
    clash with the page's scripts; it sets window.vegaEmbed."""
    options = {"renderer": "svg", "actions": False, "mode": "vega-lite"}
    safe_bundle = bundle.replace("</script", "<\\/script")
    safe_spec = json.dumps(spec, sort_keys=True, allow_nan=False).replace("</", "<\\/")
    return (f'<div class="assumptions-explorer">{intro_html}'
            f'<div id="{html.escape(ELEMENT_ID)}"></div></div>\n'
            f'<script type="module">\n{safe_bundle}\n</script>\n'
            f'<script type="module">\n'
            f'vegaEmbed("#{ELEMENT_ID}", {safe_spec}, {json.dumps(options, sort_keys=True)}).catch(console.error);\n'
            f'</script>\n')
