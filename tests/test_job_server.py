"""The job server (online_csa.rule_support.job_server): a job handed over runs in a fork of the server with
the job's own working directory, environment, arguments and standard streams, and its exit code is the job's;
a job with no server to reach runs in its own process, unchanged."""
import os
import signal
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
                                "json"], env={**os.environ, "PYTHONPATH": str(WORKFLOW)}, pass_fds=[alive_read],
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
