"""The job server (online_csa.rule_support.job_server): a job handed over runs in a fork of the server with
the job's own working directory, environment, arguments and standard streams, and its exit code is the job's;
a job with no server to reach runs in its own process, unchanged."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from online_csa.rule_support import job_server

WORKFLOW = Path(__file__).resolve().parents[1] / "workflow"

# A stand-in for a rule script: hands itself over as rule_job does, then reports where and how it ran.
SCRIPT = """
import os, sys
from online_csa.rule_support import job_server
job_server.hand_over(__file__)
print(f"in_server={job_server._IN_SERVER} cwd={os.getcwd()} argv={sys.argv[1:]} value={os.environ['JOB_VALUE']}")
print("to stderr", file=sys.stderr)
if sys.argv[1] == "raise":
    raise ValueError("the script failed")
if sys.argv[1] == "sleep":
    open("fork.pid", "w").write(str(os.getpid()))
    import time; time.sleep(60)
sys.exit(int(sys.argv[1]))
"""


@pytest.fixture()
def server(tmp_path):
    """A server with nothing preloaded (json only), its parent this test process."""
    path = job_server.socket_path(tmp_path, os.getpid())
    alive_read, alive_write = os.pipe()
    process = subprocess.Popen([sys.executable, "-m", "online_csa.rule_support.job_server", path, str(alive_read),
                                "--modules", "json"], env={**os.environ, "PYTHONPATH": str(WORKFLOW)}, pass_fds=[alive_read],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    os.close(alive_read)
    for _ in range(200):
        if Path(path).exists():
            break
        time.sleep(0.05)
    yield path, process
    os.close(alive_write)
    process.wait(timeout=10)


def run_job(tmp_path, socket, *args, **environment):
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    workdir = tmp_path / "workdir"
    workdir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(WORKFLOW), "JOB_VALUE": "from the job", job_server.ENVIRONMENT_VARIABLE: socket,
           **environment}
    return subprocess.Popen([sys.executable, str(script), *args], cwd=workdir, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_job_handed_over_runs_in_the_server_as_itself(tmp_path, server):
    socket, _ = server
    job = run_job(tmp_path, socket, "3")
    out, err = job.communicate(timeout=30)
    assert out == f"in_server=True cwd={tmp_path / 'workdir'} argv=['3'] value=from the job\n"
    assert err == "to stderr\n"
    assert job.returncode == 3


# Two modules for a server to import, each holding it until a file exists (or a minute has passed): the first
# until the test has queued its job, the second until that job has run.
GATE = """
import os, time
for _ in range(1200):
    if os.path.exists(os.path.join(os.environ["GATE_DIR"], {name!r})):
        break
    time.sleep(0.05)
"""
# The job: which of the two the fork it runs in had imported.
GATED_JOB = """
import os, sys
open(os.path.join(os.environ["GATE_DIR"], "job_ran"), "w").write(
    f"{'first_gate' in sys.modules} {'second_gate' in sys.modules}")
"""


def test_a_job_waiting_between_two_imports_is_served_before_the_second(tmp_path):
    """The server imports in order and runs every waiting job between any two imports: a job queued while the
    first module loads runs with it loaded and before the second is (which waits for the job: served only after
    the imports, the job would find both loaded, a minute later)."""
    gates = tmp_path / "gates"
    gates.mkdir()
    (gates / "first_gate.py").write_text(GATE.format(name="job_queued"))
    (gates / "second_gate.py").write_text(GATE.format(name="job_ran"))
    script = tmp_path / "job.py"
    script.write_text(GATED_JOB)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WORKFLOW), str(gates)]), "GATE_DIR": str(gates)}
    path = job_server.socket_path(tmp_path, os.getpid())
    alive_read, alive_write = os.pipe()
    server = subprocess.Popen([sys.executable, "-m", "online_csa.rule_support.job_server", path, str(alive_read),
                               "--modules", "first_gate,second_gate"], env=environment, pass_fds=[alive_read],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(alive_read)
    try:
        for _ in range(200):
            if Path(path).exists():
                break
            time.sleep(0.05)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)  # queued now: the server is still importing first_gate
        request = json.dumps({"script": str(script), "cwd": str(tmp_path), "argv": [str(script)],
                              "environment": environment}).encode()
        with open(os.devnull) as stdin, open(tmp_path / "job.out", "w") as out:
            socket.send_fds(connection, [job_server._MESSAGE.pack(len(request)) + request],
                            [stdin.fileno(), out.fileno(), out.fileno()])
        (gates / "job_queued").touch()
        job_server._receive_number(connection)  # the fork's process id
        assert job_server._receive_number(connection) == 0
        connection.close()
        assert (gates / "job_ran").read_text() == "True False"
    finally:
        os.close(alive_write)
        server.wait(timeout=90)


def test_a_failing_job_exits_1_with_its_traceback(tmp_path, server):
    socket, _ = server
    job = run_job(tmp_path, socket, "raise")
    out, err = job.communicate(timeout=30)
    assert out.startswith("in_server=True")
    assert job.returncode == 1
    assert "ValueError: the script failed" in err and "Traceback" in err


def test_without_a_server_the_job_runs_in_its_own_process(tmp_path):
    job = run_job(tmp_path, str(tmp_path / "no-server.sock"), "0")
    out, err = job.communicate(timeout=30)
    assert out == f"in_server=False cwd={tmp_path / 'workdir'} argv=['0'] value=from the job\n"
    assert job.returncode == 0


def test_a_job_asking_for_other_thread_counts_runs_in_its_own_process(tmp_path, server):
    """numpy's linear algebra reads its thread count once, at import: a job given another count than the
    server's (Snakemake sets it from the rule's threads) is declined and runs as before."""
    socket, _ = server
    job = run_job(tmp_path, socket, "0", OPENBLAS_NUM_THREADS="4")
    assert job.communicate(timeout=30)[0].startswith("in_server=False")
    assert job.returncode == 0


def test_off_runs_the_job_in_its_own_process(tmp_path, server):
    job = run_job(tmp_path, "off", "0")
    assert job.communicate(timeout=30)[0].startswith("in_server=False")


def test_stopping_the_job_stops_its_fork(tmp_path, server):
    socket, _ = server
    job = run_job(tmp_path, socket, "sleep")
    pid_file = tmp_path / "workdir" / "fork.pid"
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    fork = int(pid_file.read_text())
    job.send_signal(signal.SIGTERM)
    job.communicate(timeout=30)
    assert job.returncode != 0
    for _ in range(100):
        try:
            os.kill(fork, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the fork outlived its job")


def test_the_server_ends_with_the_process_that_started_it(tmp_path):
    """start() in a Snakemake stand-in that then exits without stop(): the server sees its pipe end and goes."""
    code = ("import sys; from online_csa.rule_support import job_server; "
            f"server = job_server.start({str(tmp_path)!r}); print(server.pid, job_server.os.environ['{job_server.ENVIRONMENT_VARIABLE}'])")
    starter = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(WORKFLOW)},
                             capture_output=True, text=True, timeout=30, check=True)
    pid, path = starter.stdout.split()
    for _ in range(600):  # the server finishes its imports first (a few seconds), then sees the pipe's end
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the server outlived the process that started it")
    assert not Path(path).exists()


def test_calls_that_run_no_job_start_no_server(monkeypatch):
    monkeypatch.delenv(job_server.ENVIRONMENT_VARIABLE, raising=False)
    assert job_server.wanted(["snakemake", "--cores", "2"])
    assert not job_server.wanted(["snakemake", "-n"])
    assert not job_server.wanted(["snakemake", "--lint"])
    monkeypatch.setenv(job_server.ENVIRONMENT_VARIABLE, "off")
    assert not job_server.wanted(["snakemake", "--cores", "2"])


def test_the_socket_path_is_short_and_names_the_project_and_run(tmp_path):
    deep = tmp_path / ("a-long-folder-name" * 10)
    path = job_server.socket_path(deep, 12345)
    assert len(path.encode()) < 108
    assert path.endswith("-12345.sock")
    assert job_server.socket_path(deep, 12345) != job_server.socket_path(tmp_path, 12345)


def test_stopping_twice_closes_the_pipe_once(tmp_path):
    """On a cluster the server is stopped at onstart and again at onsuccess: the second stop must not close a
    descriptor number that another file (Snakemake's event loop, say) has taken since."""
    server = job_server.start(tmp_path)
    job_server.stop(server)
    reused_read, reused_write = os.pipe()  # takes the lowest free numbers, the pipe's among them
    try:
        job_server.stop(server)
        os.fstat(reused_read), os.fstat(reused_write)  # both still open
    finally:
        os.close(reused_read), os.close(reused_write)
    assert server.poll() is not None


# What a script Snakemake writes for a job could print: whether it runs in the server's fork.
WRITTEN_SCRIPT = """
import sys
from online_csa.rule_support import job_server
print(f"in_server={job_server._IN_SERVER} argv={sys.argv[1:]}")
"""


@pytest.mark.parametrize("folder, in_server", [(".snakemake/scripts", True), ("elsewhere", False)])
def test_a_script_snakemake_wrote_is_handed_over_as_its_python_starts(tmp_path, server, folder, in_server):
    """With JOB_START on its PYTHONPATH, a script under .snakemake/scripts/ (one Snakemake wrote for a job) runs in
    the server from its first line, though it never hands itself over; any other script runs in its own process."""
    socket, _ = server
    script = tmp_path / folder / "tmpabc.job.py"
    script.parent.mkdir(parents=True)
    script.write_text(WRITTEN_SCRIPT)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(job_server.JOB_START), str(WORKFLOW)]),
                   job_server.ENVIRONMENT_VARIABLE: socket}
    job = subprocess.run([sys.executable, str(script), "x"], cwd=tmp_path, env=environment, capture_output=True,
                         text=True, timeout=30)
    assert job.stdout == f"in_server={in_server} argv=['x']\n"
    assert job.returncode == 0


def test_the_jobs_of_a_run_start_with_job_start_on_their_path_and_stop_gives_theirs_back(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/before")
    server = job_server.start(tmp_path)
    try:
        assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(job_server.JOB_START), str(WORKFLOW), "/before"]
    finally:
        job_server.stop(server)
    assert os.environ["PYTHONPATH"] == "/before"


# The job for the plan's tests: which of the two late modules the fork it runs in had imported.
LATE_JOB = """
import sys
from online_csa.rule_support import job_server
job_server.hand_over(__file__)
print('late_a' in sys.modules, 'late_b' in sys.modules)
"""


@pytest.mark.parametrize("plan, imported", [(["late_b"], "False True\n"), ([], "False False\n"),
                                            (None, "True True\n")])
def test_the_server_imports_only_the_late_modules_the_plan_names(tmp_path, plan, imported):
    """After its own modules the server waits for the run's plan and imports the late modules it names; a plan pipe
    that ends with no plan (Snakemake never sent one) gets all of them."""
    modules = tmp_path / "modules"
    modules.mkdir()
    for name in ("late_a", "late_b"):
        (modules / f"{name}.py").write_text("VALUE = 1\n")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WORKFLOW), str(modules)])}
    path = job_server.socket_path(tmp_path, os.getpid())
    alive_read, alive_write = os.pipe()
    plan_read, plan_write = os.pipe()
    server = subprocess.Popen([sys.executable, "-m", "online_csa.rule_support.job_server", path, str(alive_read),
                               "--plan", str(plan_read), "--modules", "json", "--late-modules", "late_a,late_b"],
                              env=environment, pass_fds=[alive_read, plan_read], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    os.close(alive_read)
    os.close(plan_read)
    try:
        if plan is not None:
            os.write(plan_write, json.dumps(plan).encode())
        os.close(plan_write)
        log = []
        for line in server.stdout:  # the job comes once the late imports are done
            log.append(line)
            if line.startswith("imports and warm-up done"):
                break
        expected = "none" if plan == [] else ", ".join(plan or ["late_a", "late_b"])
        assert f"late modules, as planned: {expected}\n" in log
        script = tmp_path / "job.py"
        script.write_text(LATE_JOB)
        job = subprocess.run([sys.executable, str(script)], env={**environment, job_server.ENVIRONMENT_VARIABLE: path},
                             capture_output=True, text=True, timeout=30)
        assert job.stdout == imported
    finally:
        os.close(alive_write)
        server.wait(timeout=30)

