"""Execute a chapter notebook inside the job's own Python process, with no Jupyter kernel.

The chapter notebooks only read tables and display text, tables and figures. A kernel costs a
second process, a ZeroMQ connection and the import of papermill (which Snakemake's `notebook:`
directive also starts once just to ask its version), every chapter, every run. Here the cells
run one after the other in an IPython shell of this process, which formats what each cell
displays exactly as a kernel's shell does (the same display formatters, the same inline
matplotlib backend), and the outputs are written in the notebook format Jupyter writes: display
data, the value of a cell's last expression, printed text (stdout and stderr, as a kernel
forwards them) and, for a failing cell, the error. A failing cell stops the notebook: what ran
is written with the error, and `NotebookCellError` names the cell and carries the traceback.
"""
from __future__ import annotations

import functools
import io
import json
import os
import sys
import traceback
from pathlib import Path

# What ipykernel's kernel reports for itself; Jupyter writes it into an executed notebook.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": f"ipython{sys.version_info[0]}",
    "version": sys.version.split()[0],
}


class NotebookCellError(RuntimeError):
    """A cell raised: the message names the notebook and the cell and ends with the traceback."""


class _Outputs:
    """The outputs of the cell being run, in the order they appeared."""

    def __init__(self):
        self.items: list[dict] = []

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text  # consecutive writes to one stream are one output, as Jupyter keeps them
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict, metadata: dict | None) -> None:
        self.items.append({"output_type": "display_data", "data": _encoded(data), "metadata": metadata or {}})

    def result(self, data: dict, metadata: dict | None, count: int) -> None:
        self.items.append({"output_type": "execute_result", "data": _encoded(data), "metadata": metadata or {},
                           "execution_count": count})


def _encoded(data: dict) -> dict:
    """Binary representations (a PNG) as base64 text, as Jupyter's messages carry them."""
    from binascii import b2a_base64

    return {mime: b2a_base64(value, newline=False).decode("ascii") if isinstance(value, bytes) else value
            for mime, value in data.items()}


class _StreamWriter(io.TextIOBase):
    """sys.stdout or sys.stderr while a cell runs: text goes to the cell's outputs."""

    def __init__(self, outputs: _Outputs, name: str):
        self._outputs = outputs
        self._name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._outputs.stream(self._name, text)
        return len(text)


# The cell being run: where the shell's displays, results and printed text go.
_CURRENT = _Outputs()


@functools.lru_cache(maxsize=None)
def _shell():
    """This process's IPython shell (one per process: display() and matplotlib find it as the
    running IPython), whose displays and last-expression values become the current cell's outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.history import HistoryManager
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, *args, **kwargs):
            _CURRENT.display(data, metadata)

        def clear_output(self, wait=False):
            _CURRENT.items.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            self._data = None

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._data = (format_dict, md_dict)

        def finish_displayhook(self):
            if self._data is not None and self._data[0]:
                _CURRENT.result(*self._data, self.prompt_count)
            self._data = None

    class Shell(InteractiveShell):
        display_pub_class = Publisher
        displayhook_class = Hook

        def init_history(self):  # a job has no interactive session to remember: no history database
            self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)
            self.configurables.append(self.history_manager)

        def _showtraceback(self, etype, evalue, stb):  # the error becomes the cell's error output instead
            pass

    return Shell.instance(colors="nocolor")


def execute_notebook(source: str | Path, target: str | Path, namespace: dict) -> None:
    """Run every code cell of the notebook `source` with the names in `namespace` defined (the
    job's `snakemake` object), and write the executed notebook to `target`."""
    notebook = json.loads(Path(source).read_text(encoding="utf-8"))
    # Figures a cell draws are shown inline, as in a Jupyter kernel (which sets this the same way).
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    shell = _shell()
    shell.reset(new_session=False)  # a fresh namespace and count for each notebook run in this process
    shell.execution_count = 1
    shell.user_ns.update(namespace)
    notebook["metadata"]["language_info"] = dict(LANGUAGE_INFO)
    failure = None
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for cell in code_cells:
        cell["outputs"], cell["execution_count"] = [], None
    for number, cell in enumerate(code_cells, start=1):
        source_text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        _CURRENT.items = cell["outputs"]
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _StreamWriter(_CURRENT, "stdout"), _StreamWriter(_CURRENT, "stderr")
        try:
            result = shell.run_cell(source_text, store_history=True, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
        cell["execution_count"] = result.execution_count
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            lines = traceback.format_exception(type(error), error, error.__traceback__)
            cell["outputs"].append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                                    "traceback": [line.rstrip("\n") for line in lines]})
            failure = NotebookCellError(f"{source}: code cell {number} (id {cell.get('id', '?')}) raised "
                                        f"{type(error).__name__}: {error}\n\n{''.join(lines)}")
            break
    Path(target).write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    if failure is not None:
        raise failure
