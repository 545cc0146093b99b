"""Benchmark of the figures (not a test): CPU seconds to draw and to save each figure of the report.

    .venv/bin/python tools/benchmark_figures.py              # every figure, best of 3
    .venv/bin/python tools/benchmark_figures.py --repeat 5 --only imputed_force_cells
    PYTHONPATH=/elsewhere/workflow .venv/bin/python tools/benchmark_figures.py   # another checkout's code

Needs a finished run (results/scripts/jobs.json and the tables the figures read). Each figure is
drawn with the inputs and params of the job that draws it (a chapter's `draw` param, or
summarise_findings' claim-support figure), by the online_csa found on the PYTHONPATH (else this
checkout's), and saved to a scratch folder, never over results/ (`--keep DIR` keeps them). A
line ends with "same" when the saved bytes equal the run's own PNG, else "differs".

The first round pays matplotlib's and seaborn's one-off costs (fonts, styles), so the best of
the rounds is printed, beside the first. CPU time of this process, not wall time: other work on
the machine slows the wall clock far more than it changes the CPU a figure costs.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not any(Path(p, "online_csa").is_dir() for p in sys.path if p):
    sys.path.insert(0, str(ROOT / "workflow"))

from online_csa.rule_support.pipeline_job import SCRIPT_JOBS, job_from_entry, read_jobs  # noqa: E402

# the figure summarise_findings draws outside a chapter's `draw` param
FINDINGS_FIGURE = {"claim_support": "findings.plot_claim_support"}


def figure_jobs(root: Path) -> list[tuple[str, str, object]]:
    """(figure name, function name, job) for every figure the last run drew."""
    figures = []
    for name, entry in read_jobs(root, SCRIPT_JOBS).items():
        job = job_from_entry(name, entry, read=lambda path: str(root / path))
        if "draw" in job.params.keys():
            figures += [(figure, function, job) for figure, function in job.params["draw"].items()]
        elif entry["rule"] == "summarise_findings":
            figures.append(("claim_support", FINDINGS_FIGURE["claim_support"], job))
    return figures


def draw(function: str, job):
    from online_csa.figures import drawing

    if function == FINDINGS_FIGURE["claim_support"]:
        import pandas as pd

        from online_csa.figures.model_figures import plot_claim_support
        from online_csa.report.findings import drawn_ratio_labels

        par = job.params
        national = pd.read_csv(job.input["national_estimates"])
        drawn = drawn_ratio_labels(par["trend_claims"], national, par["series"], par["geography"])
        return plot_claim_support(pd.read_csv(job.input["claim_support"]), drawn), job.output["figure"]
    return drawing.draw_figure(function, job.input, job.params), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="figure names (default: all)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="save the PNGs in DIR (default: a scratch folder)")
    args = parser.parse_args()
    start = time.process_time()
    import matplotlib

    from online_csa.figures import data_figures

    print(f"imports {time.process_time() - start:.2f} s")
    figures = [f for f in figure_jobs(ROOT) if not args.only or f[0] in args.only]
    total_best = 0.0
    print(f"{'figure':24} {'draw':>6} {'save':>6} {'best':>6} {'first':>6}  bytes")
    with tempfile.TemporaryDirectory() as scratch:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            scratch = args.keep
        for figure, function, job in figures:
            rounds = []
            for _ in range(args.repeat):
                with matplotlib.rc_context():
                    t0 = time.process_time()
                    fig, findings_output = draw(function, job)
                    t1 = time.process_time()
                    path = Path(scratch) / f"{figure}.png"
                    data_figures.save(fig, path, job.params["dpi"])
                    t2 = time.process_time()
                rounds.append((t1 - t0, t2 - t1))
            best = min(rounds, key=sum)
            total_best += sum(best)
            reference = ROOT / (findings_output or job.output[figure])
            same = reference.exists() and reference.read_bytes() == path.read_bytes()
            print(f"{figure:24} {best[0]:6.2f} {best[1]:6.2f} {sum(best):6.2f} {sum(rounds[0]):6.2f}  "
                  f"{'same' if same else 'differs'}")
    print(f"{'all figures (best)':24} {'':6} {'':6} {total_best:6.2f}")


if __name__ == "__main__":
    main()
