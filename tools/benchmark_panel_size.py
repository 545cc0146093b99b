"""How the model stage scales with the panel (a benchmark, not a test): synthetic panels of
areas x years, fit the NB model on the observed cells and impute the missing ones.

    .venv/bin/python tools/benchmark_panel_size.py                 # the default grid
    .venv/bin/python tools/benchmark_panel_size.py 500x10 50x50    # any sizes

Each size runs in a fresh process (time and peak resident memory are its own). A third of the
cells are hidden and imputed with 1,000 posterior-predictive draws. From 100 areas on, the fit
uses the two-way structure of its design (one dummy per area, one per year) instead of forming
it, so the fit grows with cells x years; the imputation holds draws x hidden cells numbers, a
few times over while it simulates. Sizes whose draws would need more than --max-gb are skipped
and say so, rather than exhaust the machine. The panels are synthetic (made-up areas), never
real data.
"""
import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["50x10", "50x50", "200x10", "200x50", "500x10", "500x50", "1000x10", "5000x10", "5000x50"]


def one(areas: int, years: int, draws: int) -> None:
    start = time.perf_counter()
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(ROOT / "workflow"))
    from online_csa.models.imputation import impute_missing_cells
    from online_csa.models.negative_binomial import fit_negative_binomial

    rng = np.random.default_rng(1)
    force = np.repeat([f"Synthetic area {i}" for i in range(areas)], years)
    year = np.tile(np.arange(2000, 2000 + years), areas)
    log_pop = np.log(rng.uniform(5e4, 5e5, areas)).repeat(years)
    effect = rng.normal(0, 0.5, areas).repeat(years)
    value = rng.poisson(np.exp(-8 + log_pop + effect + 0.05 * (year - 2000))).astype(float)
    observed = rng.random(len(value)) > 1 / 3
    frame = pd.DataFrame({"series": "synthetic", "force": force, "fiscal_year": [f"{y}/{(y + 1) % 100:02d}" for y in year],
                          "year": year, "status": np.where(observed, "observed", "missing"),
                          "value": np.where(observed, value, np.nan), "observed": observed, "population": np.exp(log_pop),
                          "log_population": log_pop, "population_note": "", "record_ids": "",
                          "lower": np.nan, "upper": np.nan})
    ready = time.perf_counter()
    fit = fit_negative_binomial(frame[frame["observed"]], robust=False)
    fitted = time.perf_counter()
    impute_missing_cells(frame, fit, [], draws=draws, seed=1)
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{areas:>6} x {years:<3} {areas * years:>8,} cells  fit {fitted - ready:7.2f} s  impute {done - fitted:7.2f} s  "
          f"process {done - start:7.2f} s  peak RSS {peak:8.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", default=DEFAULT, help="AREASxYEARS")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--max-gb", type=float, default=8.0,
                        help="skip sizes whose imputation draws (draws x hidden cells, about four copies) exceed this")
    parser.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one, args.draws)
        return
    for size in args.sizes:
        areas, years = (int(x) for x in size.lower().split("x"))
        draws_gb = 4 * args.draws * areas * years / 3 * 8 / 1e9
        if draws_gb > args.max_gb:
            print(f"{areas:>6} x {years:<3} {areas * years:>8,} cells  skipped: the imputation would need about "
                  f"{draws_gb:,.1f} GB (more than --max-gb {args.max_gb:g})", flush=True)
            continue
        subprocess.run([sys.executable, __file__, "--one", str(areas), str(years), "--draws", str(args.draws)],
                       check=True)


if __name__ == "__main__":
    main()
