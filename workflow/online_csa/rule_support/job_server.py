"""A fork server for the rule scripts: the libraries are imported once per run, not once per job.

Most of a job's time here is the start of its process: importing pandas, statsmodels,
matplotlib, seaborn, IPython and nbconvert costs more than the work of most jobs. At the start of
a run one server process imports them and waits on a Unix socket.
A job's Python hands the job over (`hand_over`) as it starts, before the preamble Snakemake writes
into the script (the sitecustomize in JOB_START, on the jobs' PYTHONPATH while a server runs), or
else at the rule script's first line, `rule_job(globals(), ...)`: it sends the server the path of
the script Snakemake wrote for the job, its working directory, environment and arguments, and its
standard input, output and error (the file descriptors themselves). The server forks; the fork,
which has every library already imported, runs the script exactly as `python <script>` would, and
sends back its exit code, which the job's own process exits with. A job that cannot reach the
server (none started, a run on another host, the server gone) runs in its own process as before,
so the server changes how fast a job starts, never what it computes. `ONLINE_CSA_JOB_SERVER=off`
in the environment turns it off.

The server is started while Snakemake parses the workflow and builds its DAG, binds its socket before
it imports, and imports one module at a time, in an order that puts first what a rerun's first jobs
need: between any two imports it runs every job waiting in the socket's queue, so a job that comes
early starts with what is loaded by then and imports the rest it needs itself (a rerun's
run_sensitivity jobs need about a quarter of the server's import time).
The server stops at the end of the run (`onsuccess`/`onerror`), or by itself when the
Snakemake process that started it is gone.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import types
from functools import partial
from pathlib import Path

ENVIRONMENT_VARIABLE = "ONLINE_CSA_JOB_SERVER"  # the socket's path, set for the jobs of a run; "off" turns it off
# What the server imports, in this order, serving between any two of them every job that is waiting: every library
# a rule script or chapter imports that takes noticeable time. A job served early imports the rest itself if it
# needs it. First what the jobs that start a rerun need (the script preamble Snakemake writes, then
# run_sensitivity's libraries and package), the rest after. A module that fails to import is skipped (the job then
# imports it, and fails, itself).
PRELOADED_MODULES = [
    "snakemake.iocontainers",  # what the preamble Snakemake writes into every script imports
    "snakemake.logging",
    "numpy",
    "pandas",
    "yaml",
    "scipy.optimize",
    "scipy.special",
    "online_csa.sensitivity.monte_carlo",  # run_sensitivity, a rerun's first jobs
    "online_csa.sensitivity.tipping_points",
    "online_csa.common.tables",
    "online_csa.common.geographies",
    "matplotlib.pyplot",
    "online_csa.figures.data_figures",  # seaborn, loaded as the figure jobs load it (without scipy.stats)
    "IPython.core.interactiveshell",
    "matplotlib_inline.backend_inline",
    "nbformat",
    "nbconvert",
    "bs4",
    "altair",
    "vl_convert",
    "itables",
    "rocrate.rocrate",
    "pypandoc",
    "typst",
]
# Imported only if a job of the run imports them as it loads (the run's plan, sent by `send_plan` when Snakemake has
# built its DAG; code_dependencies.modules_imported_at_load makes it), as soon as the plan comes: the cold run's
# raw-data and model jobs need pandera and statsmodels (and with it scipy.stats) among its first jobs, a rerun's jobs
# none of them, and importing them then would only take a core from its jobs.
LATE_MODULES = ["pandera.pandas", "scipy.stats", "statsmodels.api", "statsmodels.formula.api"]


def warm_up_html_export() -> None:
    """Work the first notebook export would otherwise do itself, done once in the server: the HTML exporter
    compiles its regular expressions and loads its Markdown and highlighting plugins on first use. It leaves no
    state that changes an output."""
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    notebook = new_notebook(cells=[
        new_markdown_cell("# A\n\nSome *text*, a [link](#a) and a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
        new_code_cell("x = 1", outputs=[
            new_output("execute_result", data={"text/html": "<b>1</b>", "text/plain": "1"}, execution_count=1),
            new_output("stream", name="stdout", text="1\n")])])
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    HTMLExporter(template_name="lab").from_notebook_node(notebook)


def warm_up_figures() -> None:
    """Matplotlib opens its fonts on a figure's first text: done once in the server. No state that changes an
    output is left."""
    import io

    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 2))
    axes.set_title("A")
    figure.savefig(io.BytesIO(), format="png")
    plt.close(figure)


# After PRELOADED_MODULES, before LATE_MODULES, one step at a time (jobs that are waiting are served between them).
WARM_UP = [warm_up_figures, warm_up_html_export]


# Read by the linear algebra libraries once, when numpy is imported: Snakemake sets them to a job's `threads`
# (1 unless a rule asks for more), so the server imports with 1, and a job whose values differ runs on its own.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
SERVER_THREADS = "1"
DECLINED = -1  # sent instead of a fork's process id: the job runs in its own process
_MESSAGE = struct.Struct("!q")  # the fork's process id, then its exit code: one signed 64-bit integer each
_IN_SERVER = False  # True in the server and in the forks it makes: a job there runs, it does not hand over


def socket_path(workdir: str | os.PathLike, pid: int) -> str:
    """A short path for the run's socket (a Unix socket's path may not exceed 107 bytes, and a test's
    temporary project path can): in the temporary directory, named after the project and the run."""
    digest = hashlib.sha256(str(Path(workdir).resolve()).encode()).hexdigest()[:12]
    return str(Path(tempfile.gettempdir()) / f"online-csa-{digest}-{pid}.sock")


# --- the Snakemake side: start and stop -------------------------------------------------------------------------

# Snakemake options with which a call runs no job: no server is started for them (one started anyway would only
# import for nothing and end with the call).
NO_JOBS_OPTIONS = {
    "-n", "--dry-run", "--dryrun", "-np", "-pn", "--lint", "-l", "--list", "--list-rules", "--list-target-rules",
    "-S", "--summary", "-D", "--detailed-summary", "--dag", "--rulegraph", "--filegraph", "--d3dag", "--unlock",
    "-t", "--touch", "-v", "--version", "-h", "--help", "--report", "--lc", "--list-changes", "--list-code-changes",
    "--li", "--list-input-changes", "--lp", "--list-params-changes", "--cleanup-metadata", "--cm",
    "--delete-all-output", "--delete-temp-output", "--archive", "--containerize", "--export-cwl",
    "--print-compilation", "--list-untracked", "--lu", "--generate-unit-tests",
}


def wanted(argv: list[str]) -> bool:
    """Whether a Snakemake call with these arguments may run jobs, and the server is not turned off."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "").lower() != "off" and not NO_JOBS_OPTIONS.intersection(argv)


# On the jobs' PYTHONPATH while a server runs: its sitecustomize hands a script job over as its Python starts.
JOB_START = Path(__file__).resolve().parent / "job_start"


def start(workdir: str | os.PathLike, log: str | os.PathLike | None = None) -> subprocess.Popen:
    """Start the run's server in the background, importing while Snakemake builds its DAG, and tell the jobs where
    it listens (through the environment they inherit, with JOB_START on their PYTHONPATH). The server ends when
    this process does: it holds the read end of a pipe whose only write end this process keeps."""
    path = socket_path(workdir, os.getpid())
    alive_read, alive_write = os.pipe()
    plan_read, plan_write = os.pipe()
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
    output = open(log, "w") if log else subprocess.DEVNULL
    package = str(Path(__file__).resolve().parents[2])
    server = subprocess.Popen([sys.executable, "-m", "online_csa.rule_support.job_server", path, str(alive_read),
                               "--plan", str(plan_read)],
                              stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                              start_new_session=True, pass_fds=[alive_read, plan_read],
                              env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, SERVER_THREADS),
                                   "PYTHONPATH": os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))})
    os.close(alive_read)
    os.close(plan_read)
    server.alive_write = alive_write  # closed by stop(), or by the end of this process
    server.plan_write = plan_write  # closed by send_plan() or stop()
    server.python_path = os.environ.get("PYTHONPATH")
    if log:
        output.close()
    os.environ[ENVIRONMENT_VARIABLE] = path
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(JOB_START), package, server.python_path]))
    return server


def files_loaded_by(job) -> list[str]:
    """The files a Snakemake job's Python loads as it starts: its rule's script, its chapter's paired text (the
    .py beside its `chapter` input), and the package modules they import (its `code` input)."""
    files = job.input.get("code") or []
    files = [files] if isinstance(files, str) else list(files)
    if job.rule.script:
        files.append(job.rule.basedir.join(job.rule.script).get_path_or_uri(secret_free=True))
    chapter = job.input.get("chapter")
    if chapter and os.path.exists(os.path.splitext(chapter)[0] + ".py"):
        files.append(os.path.splitext(chapter)[0] + ".py")
    return files


def send_plan(server: subprocess.Popen | None, late_modules: list[str]) -> None:
    """Tell the run's server which of LATE_MODULES the run's jobs need (code_dependencies.modules_imported_at_load):
    it imports those alone. Sent once; a server that gets no plan imports them all."""
    if server is None or getattr(server, "plan_write", None) is None:
        return
    try:
        os.write(server.plan_write, json.dumps(list(late_modules)).encode())
    except OSError:
        pass  # the server is gone: its jobs run in their own processes
    _close_plan(server)


def _close_plan(server: subprocess.Popen) -> None:
    if getattr(server, "plan_write", None) is not None:
        os.close(server.plan_write)
        server.plan_write = None


def stop(server: subprocess.Popen | None) -> None:
    """End the run's server (a job still running in a fork of it is not affected), remove its socket, and give
    later jobs the PYTHONPATH they had before."""
    path = os.environ.pop(ENVIRONMENT_VARIABLE, None)
    if server is None or server.alive_write is None:
        return  # none started, or stopped already (onstart on a cluster, then onsuccess)
    if server.python_path is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = server.python_path
    _close_plan(server)
    os.close(server.alive_write)
    server.alive_write = None  # closed once: the descriptor's number may soon belong to another file
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if path and path.lower() != "off":
        Path(path).unlink(missing_ok=True)


# --- the job's side ----------------------------------------------------------------------------------------------

def hand_over(script: str) -> None:
    """Run this job's script in a fork of the run's server and exit with its exit code; return (and let the
    job run here) when there is no server to hand it to."""
    path = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if _IN_SERVER or not path or path.lower() == "off":
        return
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        request = json.dumps({"script": os.path.abspath(script), "cwd": os.getcwd(), "argv": sys.argv,
                              "environment": dict(os.environ)}).encode()
        socket.send_fds(connection, [_MESSAGE.pack(len(request)) + request], [0, 1, 2])
        pid = _receive_number(connection)
    except (OSError, ConnectionError):
        connection.close()
        return  # no server (or it went away before taking the job): the job runs here
    if pid == DECLINED:
        connection.close()
        return
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # Snakemake stopping the job stops the fork
        signal.signal(signum, lambda signum, frame: os.kill(pid, signum))
    try:
        code = _receive_number(connection)
    except (OSError, ConnectionError):
        code = 1  # the fork died without reporting (killed, or crashed in C code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _receive_number(connection: socket.socket) -> int:
    data = b""
    while len(data) < _MESSAGE.size:
        chunk = connection.recv(_MESSAGE.size - len(data))
        if not chunk:
            raise ConnectionError("the job server closed the connection")
        data += chunk
    return _MESSAGE.unpack(data)[0]


# --- the server --------------------------------------------------------------------------------------------------

def serve(path: str, alive: int, modules: list[str] = PRELOADED_MODULES, warm: bool = True,
          late_modules: list[str] = LATE_MODULES, plan: int | None = None) -> None:
    """Listen on `path`, import `modules`, warm up (WARM_UP) and import `late_modules` (with a `plan`, a pipe's
    file descriptor, only those of them the plan read from it names: `send_plan`), and run every job that
    connects in a fork, from the first import on, until the pipe `alive` (a file descriptor) reaches its end: the
    process that started the server has stopped it or is gone."""
    global _IN_SERVER
    _IN_SERVER = True
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    Path(path).unlink(missing_ok=True)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are not waited for: they report through the socket
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        _import_and_serve(listener, alive, modules, warm, late_modules, plan)
    finally:
        listener.close()
        Path(path).unlink(missing_ok=True)
    sys.stdout.flush()
    os._exit(0)  # at once: tearing down every imported library would only delay the end of the run


def _import_and_serve(listener: socket.socket, alive: int, modules: list[str], warm: bool,
                      late_modules: list[str], plan: int | None) -> None:
    """Import `modules`, warm up (WARM_UP) and import the planned `late_modules`, one step at a time, running every
    job that is waiting after each step (a job that comes early starts with what is loaded by then and imports the
    rest it needs itself), then serve until the run is over. The planned late modules are imported as soon as the
    plan has come, before the rest: a run that needs them (a cold run) needs them in its first jobs (raw data,
    cleaning, the model fits), and a job that finds one missing imports it itself, twice the work for the cores."""
    started = time.perf_counter()
    steps = [*[partial(_preload, module) for module in modules], *[partial(_warm, step) for step in WARM_UP if warm]]
    planned = late_modules if plan is None else None  # None: the plan has not come yet
    if planned is not None:
        steps += [partial(_preload, module) for module in planned]
    while steps:
        if planned is None and select.select([plan], [], [], 0)[0]:
            planned = _read_plan(plan, late_modules)
            steps[0:0] = [partial(_preload, module) for module in planned]
        steps.pop(0)()
        if not _serve_waiting(listener, alive, timeout=0):
            return
    if planned is None:
        planned = _planned(listener, alive, plan, late_modules)
        if planned is None:
            return
        for module in planned:
            _preload(module)
            if not _serve_waiting(listener, alive, timeout=0):
                return
    print(f"imports and warm-up done in {time.perf_counter() - started:.2f} s", flush=True)
    while _serve_waiting(listener, alive, timeout=None):
        pass


def _read_plan(plan: int, late_modules: list[str]) -> list[str]:
    """The late modules the plan (read to its end from the pipe `plan`) names, in their order; all of them if the
    pipe ended with no plan."""
    text = b""
    while chunk := os.read(plan, 1 << 16):
        text += chunk
    os.close(plan)
    named = set(json.loads(text)) if text else set(late_modules)
    planned = [module for module in late_modules if module in named]
    print(f"late modules, as planned: {', '.join(planned) or 'none'}", flush=True)
    return planned


def _planned(listener: socket.socket, alive: int, plan: int, late_modules: list[str]) -> list[str] | None:
    """The late modules the plan names (`_read_plan`), serving jobs until it comes; None once the pipe `alive` has
    reached its end (the run is over)."""
    while True:
        ready, _, _ = select.select([listener, alive, plan], [], [])
        if alive in ready:
            return None
        if plan in ready:
            return _read_plan(plan, late_modules)
        if not _serve_waiting(listener, alive, timeout=0):
            return None


def _serve_waiting(listener: socket.socket, alive: int, timeout: float | None) -> bool:
    """Run every job waiting in the socket's queue, each in a fork, waiting up to `timeout` seconds (None: until
    one comes) for the first; False once the pipe `alive` has reached its end (the run is over)."""
    while True:
        ready, _, _ = select.select([listener, alive], [], [], timeout)
        if alive in ready:
            return False
        if listener not in ready:
            return True
        connection, _ = listener.accept()
        try:
            _serve_job(connection, listener, alive)
        except Exception:  # noqa: BLE001 - a bad request ends that job's connection, not the server
            traceback.print_exc()
        finally:
            connection.close()
        timeout = 0  # then every other job already waiting, and back to the caller


def _warm(step) -> None:
    try:
        step()
    except Exception as error:  # noqa: BLE001 - the jobs then do that work themselves
        print(f"no warm-up ({step.__name__}): {error!r}", flush=True)


def _preload(module: str) -> None:
    try:
        __import__(module)
    except Exception as error:  # noqa: BLE001 - a job that needs it gets the error itself
        print(f"not preloaded: {module}: {error!r}", flush=True)


def _serve_job(connection: socket.socket, listener: socket.socket, alive: int) -> None:
    message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
    size = _MESSAGE.unpack(message[:_MESSAGE.size])[0]
    payload = message[_MESSAGE.size:]
    while len(payload) < size:
        chunk = connection.recv(size - len(payload))
        if not chunk:
            raise ConnectionError("the job closed the connection before its request was complete")
        payload += chunk
    request = json.loads(payload)
    if any(request["environment"].get(name) != os.environ.get(name) for name in THREAD_VARIABLES):
        for fd in fds:
            os.close(fd)
        connection.sendall(_MESSAGE.pack(DECLINED))
        print(f"declined (threads differ): {request['script']}", flush=True)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        print(f"job {pid}: {request['script']}", flush=True)
        return
    listener.close()
    os.close(alive)
    os._exit(_run_job(connection, request, fds))


def _run_job(connection: socket.socket, request: dict, fds: list[int]) -> int:
    """In the fork: become the job's process (its descriptors, directory, environment and arguments), run its
    script as `python <script>` would, and report the exit code."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a job's own subprocesses are waited for as usual
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server_log = os.dup(1)  # the server's log, for the line that reports how the job went
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    sys.argv = list(request["argv"])
    connection.sendall(_MESSAGE.pack(os.getpid()))
    code = 0
    try:
        source = Path(request["script"]).read_text()
        main = types.ModuleType("__main__")
        main.__file__ = request["script"]
        sys.modules["__main__"] = main
        exec(compile(source, request["script"], "exec"), main.__dict__)
    except SystemExit as exit_request:
        code = _exit_code(exit_request.code)
    except BaseException:  # noqa: BLE001 - reported as Python reports an uncaught exception
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime  # a fork's counts start at 0
    os.write(server_log, f"job {os.getpid()} ended: exit code {code}, {cpu:.2f} s of CPU\n".encode())
    try:
        connection.sendall(_MESSAGE.pack(code))
    except OSError:
        pass
    return code


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    # Served from the importable module, not this `__main__` copy of it, so that a job's own `hand_over`
    # (which imports the module) sees that it runs in the server.
    from online_csa.rule_support import job_server

    import argparse

    parser = argparse.ArgumentParser(prog="python -m online_csa.rule_support.job_server")
    parser.add_argument("socket")
    parser.add_argument("alive", type=int, help="the read end of a pipe: the server ends when it does")
    parser.add_argument("--plan", type=int, help="the read end of the pipe the plan comes through (send_plan)")
    parser.add_argument("--modules", help="import only these (comma-separated), without warm-up (the tests)")
    parser.add_argument("--late-modules", default=None, help="the late modules instead of LATE_MODULES")
    options = parser.parse_args()
    settings = {}
    if options.modules is not None:
        settings.update(modules=options.modules.split(","), warm=False, late_modules=[])
    if options.late_modules is not None:
        settings["late_modules"] = [m for m in options.late_modules.split(",") if m]
    job_server.serve(options.socket, options.alive, plan=options.plan, **settings)
