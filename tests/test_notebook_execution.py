"""Chapter notebooks executed in the job's own process (online_csa.rule_support.notebook_execution)."""
import json
import os
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT
from online_csa.rule_support.notebook_execution import LANGUAGE_INFO, NotebookCellError, execute_notebook


def synthetic_notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    notebook.cells.append(nbformat.v4.new_markdown_cell("# A synthetic chapter"))
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in sources)
    nbformat.write(notebook, path)
    return path


def test_displays_printed_text_and_the_last_value_become_outputs_in_order(tmp_path):
    source = synthetic_notebook(
        tmp_path / "synthetic.ipynb",
        "from IPython.display import Markdown, display\n"
        "print('before')\nprint('still before')\ndisplay(Markdown(f'**{job_value}** rows'))\nprint('after')",
        "{'application/x.synthetic+json': {'a': 1}, 'text/plain': 'raw'}",
        "display({'application/x.synthetic+json': {'a': 1}, 'text/plain': 'raw'}, raw=True)\n6 * 7",
        "x = 1  # nothing shown")
    execute_notebook(source, tmp_path / "out.ipynb", {"job_value": 12})
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(executed)
    cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in cells] == [1, 2, 3, 4]
    first = cells[0].outputs
    assert [o.output_type for o in first] == ["stream", "display_data", "stream"]
    assert first[0].text == "before\nstill before\n"  # consecutive prints: one output
    assert first[1].data == {"text/markdown": "**12** rows", "text/plain": "<IPython.core.display.Markdown object>"}
    assert first[2].text == "after\n"
    assert cells[1].outputs[0].output_type == "execute_result"
    assert cells[1].outputs[0].data["text/plain"] == "{'application/x.synthetic+json': {'a': 1}, 'text/plain': 'raw'}"
    assert [o.output_type for o in cells[2].outputs] == ["display_data", "execute_result"]
    assert cells[2].outputs[0].data == {"application/x.synthetic+json": {"a": 1}, "text/plain": "raw"}
    assert cells[2].outputs[1].data == {"text/plain": "42"} and cells[2].outputs[1].execution_count == 3
    assert cells[3].outputs == []
    assert executed.metadata.language_info == LANGUAGE_INFO
    assert executed.cells[0].cell_type == "markdown"


def test_a_figure_drawn_in_a_cell_is_shown_inline_as_png(tmp_path):
    source = synthetic_notebook(tmp_path / "figure.ipynb",
                                "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4]);")
    # in a fresh process, as a job runs it: here other tests may have loaded matplotlib with another backend
    subprocess.run([sys.executable, "-c", "import sys; from online_csa.rule_support.notebook_execution import "
                    "execute_notebook; execute_notebook(sys.argv[1], sys.argv[2], {})", str(source),
                    str(tmp_path / "out.ipynb")], check=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "workflow")))
    outputs = json.loads((tmp_path / "out.ipynb").read_text())["cells"][1]["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data"]
    png = "".join(outputs[0]["data"]["image/png"])
    assert png.startswith("iVBORw0KGgo")  # base64 of the PNG signature


def test_each_run_starts_from_a_fresh_namespace(tmp_path):
    first = synthetic_notebook(tmp_path / "first.ipynb", "leftover = 1")
    second = synthetic_notebook(tmp_path / "second.ipynb", "'leftover' in dir()")
    execute_notebook(first, tmp_path / "first_out.ipynb", {})
    execute_notebook(second, tmp_path / "second_out.ipynb", {})
    outputs = json.loads((tmp_path / "second_out.ipynb").read_text())["cells"][1]["outputs"]
    assert outputs[0]["data"]["text/plain"] == "False"
    assert outputs[0]["execution_count"] == 1


def test_a_failing_cell_stops_the_notebook_names_the_cell_and_keeps_what_ran(tmp_path):
    source = synthetic_notebook(tmp_path / "broken.ipynb", "print('ran')", "{}['missing_column']",
                                "print('never')")
    with pytest.raises(NotebookCellError, match=r"broken\.ipynb: code cell 2 .* raised KeyError: 'missing_column'"):
        execute_notebook(source, tmp_path / "out.ipynb", {})
    cells = [c for c in json.loads((tmp_path / "out.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    assert cells[0]["outputs"][0]["text"] == "ran\n"
    error = cells[1]["outputs"][-1]
    assert error["output_type"] == "error" and error["ename"] == "KeyError"
    assert any("missing_column" in line for line in error["traceback"])
    assert cells[2]["outputs"] == [] and cells[2]["execution_count"] is None


def test_a_syntax_error_is_reported_as_the_cells_error(tmp_path):
    source = synthetic_notebook(tmp_path / "syntax.ipynb", "def broken(:\n    pass")
    with pytest.raises(NotebookCellError, match="code cell 1 .* raised SyntaxError"):
        execute_notebook(source, tmp_path / "out.ipynb", {})
