"""Benchmark of the sensitivity stage (not a test): time and peak memory for several draw counts.

    .venv/bin/python tools/benchmark_sensitivity.py            # 10,000, 100,000 and 1,000,000 draws
    .venv/bin/python tools/benchmark_sensitivity.py 1000000    # any counts

Needs a finished run (results/tables/national_estimates.csv, results/models/national_draws.csv).
Each count runs in a fresh process, so the peak resident memory is that run's own. `compute` is
the stage's work (Monte Carlo, tornado, tipping points and curves); `process` adds Python start-up
and imports, which is what a Snakemake job costs.
"""
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(draws: int) -> None:
    start = time.perf_counter()
    import pandas as pd
    import yaml

    sys.path.insert(0, str(ROOT / "workflow"))
    from online_csa.sensitivity import monte_carlo as sens
    from online_csa.sensitivity.recorded_totals import load_recorded_totals
    from online_csa.sensitivity.tipping_points import tipping_curves, tipping_points
    from online_csa.sensitivity.trend_claims import trend_claims_from_config
    from online_csa.sensitivity.distributions import parse_assumptions
    from online_csa.common.fiscal_years import parse_fiscal_year
    from online_csa.common.tables import read_table

    from online_csa.configuration.claim_thresholds import resolve_trend_claims
    from online_csa.configuration.validation import check_config

    config = check_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()),
                          ROOT / "workflow/schemas/config.schema.yaml")
    specs = {k: v for k, v in config["assumptions"].items() if k != "include_s15a"}
    s = config["sensitivity"]
    records = read_table(ROOT / "results/interim/claim_records.csv", "claim_records").set_index("record_id")
    totals = load_recorded_totals(pd.read_csv(ROOT / "results/tables/national_estimates.csv"),
                                  pd.read_csv(ROOT / "results/models/national_draws.csv"), records, s["series"],
                                  s["geography"], s["s15a_counts"], parse_fiscal_year(s["s15a_first_year"]))
    claims = trend_claims_from_config(resolve_trend_claims(s["trend_claims"], config["headline_checks"]), records)
    assumptions = parse_assumptions(specs, required=sens.REQUIRED)
    include = config["assumptions"]["include_s15a"]
    ready = time.perf_counter()
    table = sens.run_sensitivity(totals, claims, assumptions, include, draws, config["monte_carlo"]["seed"],
                                 config["monte_carlo"]["correlations"])
    sens.tornado_table(table, assumptions)
    tipping_points(totals, claims, assumptions, include)
    tipping_curves(totals, claims, assumptions, include)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{draws:>10,} draws  compute {done - ready:6.2f} s  process {done - start:6.2f} s  peak RSS {peak_mb:7.1f} MB")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        one(int(sys.argv[2]))
        return
    counts = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    for draws in counts:
        subprocess.run([sys.executable, __file__, "--one", str(draws)], check=True)


if __name__ == "__main__":
    main()
