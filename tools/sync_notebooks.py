"""Write notebooks/NN-*.ipynb from their paired plain-text notebooks/NN-*.py (jupytext percent format).

The .py file is the one to edit and review; the .ipynb is what Snakemake's notebook:
directive executes. Both are committed without outputs. Snakemake refuses a notebook
without metadata.language_info, so it is set here.

    python tools/sync_notebooks.py          # rewrite every .ipynb
    python tools/sync_notebooks.py --check  # exit 1 if any .ipynb is out of date
"""
import argparse
import json
import sys
from pathlib import Path

import jupytext

LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3", "file_extension": ".py", "mimetype": "text/x-python"}
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def rendered(source: Path) -> str:
    notebook = jupytext.read(source)
    notebook.metadata["language_info"] = LANGUAGE_INFO
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    notebook.metadata["jupytext"].pop("text_representation", None)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:02d}"  # stable ids, so an unchanged notebook gives the same bytes
        cell.metadata.pop("lines_to_next_cell", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return json.dumps(json.loads(jupytext.writes(notebook, fmt="ipynb")), indent=1, sort_keys=True,
                      ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    parser.add_argument("folder", nargs="?", default="notebooks")
    args = parser.parse_args()
    stale = []
    for source in sorted(Path(args.folder).glob("[0-9][0-9]-*.py")):
        target = source.with_suffix(".ipynb")
        text = rendered(source)
        if not target.exists() or target.read_text() != text:
            stale.append(target)
            if not args.check:
                target.write_text(text)
    if args.check and stale:
        print("out of date (run python tools/sync_notebooks.py):", *map(str, stale), sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
