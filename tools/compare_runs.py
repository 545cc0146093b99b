"""Compare two runs' results folders: tables that differ, claim verdicts that changed, imputed
totals and claim support that moved.

    .venv/bin/python tools/compare_runs.py results/ /path/to/other/results/ [--output comparison.md]

Exit status: 0 when every table is byte-identical, 1 when something differs, 2 on bad input.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from online_csa.report.run_comparison import compare_runs, markdown  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", help="a results/ folder")
    parser.add_argument("second", help="another results/ folder")
    parser.add_argument("--output", help="write the Markdown here instead of printing it")
    args = parser.parse_args()
    try:
        comparison = compare_runs(args.first, args.second)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = markdown(comparison, args.first, args.second)
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0 if (comparison.tables["status"] == "identical").all() else 1


if __name__ == "__main__":
    sys.exit(main())
