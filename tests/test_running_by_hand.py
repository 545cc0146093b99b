"""Every rule script runs by hand, outside Snakemake, with its job's own inputs and params: the
job descriptions the pipeline writes, the `snakemake` object built from them, the figure a
plot rule names, and (marked pipeline) scripts run by hand against a finished run."""
import inspect
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import ROOT
from online_csa.figures import model_figures
from online_csa.figures.drawing import draw_figure, figure_arguments, figure_function
from online_csa.rule_support.job_descriptions import describe_job, describe_jobs, job_key, notebook_entry
from online_csa.rule_support.pipeline_job import Namedlist, rule_job, script_job
from pipeline_helpers import copy_project, snakemake, snakemake_env


def test_a_job_of_a_rule_with_wildcards_has_them_filled_in_and_its_param_functions_called():
    entry = describe_job(
        "run_synthetic", "workflow/scripts/run_synthetic.py",
        input={"table": "results/tables/synthetic.csv", "pair": ["a/{scenario}.csv", "b.csv"]},
        output={"out": "results/scenarios/{scenario,[a-z][a-z0-9_]*}/out.csv"},
        params={"draws": lambda wc: {"north": 10, "south": 20}[wc.scenario], "fixed": {"a": [1, 2]}},
        log=["results/logs/run_synthetic/{scenario}.log"], wildcards={"scenario": "south"})
    assert entry == {
        "rule": "run_synthetic", "script": "workflow/scripts/run_synthetic.py", "wildcards": {"scenario": "south"},
        "input": {"table": "results/tables/synthetic.csv", "pair": ["a/south.csv", "b.csv"]},
        "output": {"out": "results/scenarios/south/out.csv"},
        "params": {"draws": 20, "fixed": {"a": [1, 2]}},
        "log": ["results/logs/run_synthetic/south.log"]}
    assert job_key("run_synthetic", {"scenario": "south"}) == "run_synthetic[south]"
    assert job_key("check_synthetic", {}) == "check_synthetic"
    assert notebook_entry(entry) == {"input": entry["input"], "output": {"out": "results/scenarios/south/out.csv"},
                                     "params": entry["params"]}
    drawn = {**entry, "output": {"notebook": "results/notebooks/05.ipynb", "tornado": "results/figures/tornado.png"}}
    assert notebook_entry(drawn)["output"] == {"tornado": "results/figures/tornado.png"}


def synthetic_rule(name, script=None, notebook=None, wildcards=(), **groups):
    empty = {"input": {}, "output": {}, "params": {}}
    return SimpleNamespace(name=name, script=script, notebook=notebook, basedir="/project/workflow/rules",
                           wildcard_names=set(wildcards), log=groups.pop("log", []),
                           **{k: Namedlist(groups.get(k, v)) for k, v in empty.items()})


def test_every_job_of_every_script_rule_is_described_and_code_inputs_left_out():
    rules = [
        synthetic_rule("check_synthetic", script="../scripts/check_synthetic.py",
                       input={"code": ["workflow/online_csa/__init__.py"], "panel": "results/tables/panel.csv"},
                       output={"claims": "results/tables/claims.csv"}, log=["results/logs/check_synthetic.log"]),
        synthetic_rule("run_synthetic", script="../scripts/run_synthetic.py", wildcards=["scenario"],
                       output={"out": "results/scenarios/{scenario}/out.csv"}),
        synthetic_rule("notebook_synthetic", notebook="../../notebooks/01-synthetic.ipynb"),
        synthetic_rule("notebook_run_here", script="../scripts/execute_notebook.py",
                       input={"chapter": "notebooks/02-synthetic.ipynb", "panel": "results/tables/panel.csv"},
                       output={"notebook": "results/notebooks/02-synthetic.ipynb"}),
        synthetic_rule("target_only"),
    ]
    jobs = describe_jobs(rules, "script", "/project", {"scenario": ["north", "south"]})
    assert sorted(jobs) == ["check_synthetic", "notebook_run_here", "run_synthetic[north]", "run_synthetic[south]"]
    assert jobs["check_synthetic"]["input"] == {"panel": "results/tables/panel.csv"}
    assert jobs["check_synthetic"]["script"] == "workflow/scripts/check_synthetic.py"
    assert jobs["run_synthetic[north]"]["output"] == {"out": "results/scenarios/north/out.csv"}
    assert jobs["notebook_run_here"]["script"] == "workflow/scripts/execute_notebook.py"
    notebooks = describe_jobs(rules, "notebook", "/project", {})
    assert list(notebooks) == ["notebook_synthetic", "notebook_run_here"]
    assert notebooks["notebook_synthetic"]["script"] == "notebooks/01-synthetic.ipynb"
    assert notebooks["notebook_run_here"]["script"] == "notebooks/02-synthetic.ipynb"
    with pytest.raises(KeyError, match="no values known for wildcard"):
        describe_jobs(rules, "script", "/project", {})


def synthetic_project(root: Path) -> Path:
    """A project with a described check_synthetic job, a run_synthetic job per scenario and two
    plot rules sharing one script."""
    (root / "workflow/scripts").mkdir(parents=True)
    (root / "Snakefile").write_text("")
    (root / "results/scripts").mkdir(parents=True)

    def job(rule, script, output, wildcards=None):
        return describe_job(rule, script, input={"panel": "results/tables/panel.csv"}, output={"out": output},
                            params={"draws": 10, "series": ["online"]}, log=[f"results/logs/{rule}.log"],
                            wildcards=wildcards or {})

    jobs = {"check_synthetic": job("check_synthetic", "workflow/scripts/check_synthetic.py",
                                   "results/tables/checked.csv"),
            "plot_a": job("plot_a", "workflow/scripts/plot.py", "results/figures/a.png"),
            "plot_b": job("plot_b", "workflow/scripts/plot.py", "results/figures/b.png")}
    for scenario in ["north", "south"]:
        jobs[f"run_synthetic[{scenario}]"] = job("run_synthetic", "workflow/scripts/run_synthetic.py",
                                                 f"results/scenarios/{scenario}/out.csv", {"scenario": scenario})
    (root / "results/scripts/jobs.json").write_text(json.dumps(jobs))
    return root


def test_by_hand_a_script_gets_its_jobs_inputs_params_and_real_outputs(tmp_path):
    root = synthetic_project(tmp_path)
    job = script_job("workflow/scripts/check_synthetic.py", "check_synthetic", root, [])
    assert job.input.panel == "results/tables/panel.csv" and job.input["panel"] == job.input[0]
    assert job.params.draws == 10 and job.params["series"] == ["online"]
    assert job.output.out == "results/tables/checked.csv" and list(job.output.items()) == [("out", job.output[0])]
    assert job.log[0] == "results/logs/check_synthetic.log" and job.rule == "check_synthetic"
    with pytest.raises(AttributeError, match="no item named 'panle'"):
        job.input.panle


def test_by_hand_a_wildcard_option_picks_the_job_and_scratch_moves_only_outputs_and_log(tmp_path, monkeypatch):
    root = synthetic_project(tmp_path / "project")
    monkeypatch.chdir(tmp_path)
    job = script_job("workflow/scripts/run_synthetic.py", "run_synthetic", root,
                     ["--scenario", "south", "--scratch", "scratch"])
    assert job.wildcards.scenario == "south"
    assert job.output.out == str(tmp_path / "scratch/results/scenarios/south/out.csv")
    assert job.log[0] == str(tmp_path / "scratch/results/logs/run_synthetic.log")
    assert job.input.panel == "results/tables/panel.csv"  # the pipeline's own input
    with pytest.raises(SystemExit):  # two scenarios: one must be named
        script_job("workflow/scripts/run_synthetic.py", "run_synthetic", root, [])
    with pytest.raises(SystemExit):
        script_job("workflow/scripts/run_synthetic.py", "run_synthetic", root, ["--scenario", "east"])


def test_by_hand_a_script_several_rules_run_needs_rule(tmp_path):
    root = synthetic_project(tmp_path)
    assert script_job("workflow/scripts/plot.py", None, root, ["--rule", "plot_b"]).output.out == \
        "results/figures/b.png"
    with pytest.raises(SystemExit):
        script_job("workflow/scripts/plot.py", None, root, [])
    with pytest.raises(KeyError, match="has no job of 'check_other'"):
        script_job("workflow/scripts/check_synthetic.py", "check_other", root, [])


def test_rule_job_under_snakemake_returns_its_object_and_logs_stderr(tmp_path, monkeypatch):
    log = tmp_path / "job.log"
    injected = SimpleNamespace(log=[str(log)])
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # restored after the test
    assert rule_job({"snakemake": injected}, "check_synthetic") is injected
    print("a traceback", file=sys.stderr)
    sys.stderr.close()
    assert log.read_text() == "a traceback\n"


def test_rule_job_by_hand_works_in_the_project_root_and_makes_the_output_folders(tmp_path, monkeypatch):
    root = synthetic_project(tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    job = rule_job({"__file__": str(root / "workflow/scripts/run_synthetic.py")}, "run_synthetic",
                   argv=["--scenario", "north"])
    assert Path.cwd() == root.resolve()
    assert job.output.out == "results/scenarios/north/out.csv"
    assert (root / "results/scenarios/north").is_dir() and (root / "results/logs").is_dir()


def test_a_figure_is_drawn_by_the_function_its_rule_names_from_inputs_and_params_of_its_arguments(tmp_path):
    assert figure_function("model_figures.plot_tornado") is model_figures.plot_tornado
    with pytest.raises(ValueError, match="no figure function 'model_figures.plot_tornadoes'"):
        figure_function("model_figures.plot_tornadoes")
    tornado = pd.DataFrame({"metric": ["m", "m"], "assumption": ["a", "b"], "swing": [1.0, 2.0],
                            "metric_at_central": [2.0, 2.0], "metric_at_5th": [1.5, 1.0],
                            "metric_at_95th": [2.5, 3.0]})
    tornado.to_csv(tmp_path / "tornado.csv", index=False)
    inputs, params = Namedlist({"tornado": str(tmp_path / "tornado.csv")}), Namedlist({"metrics": ["m"], "dpi": 50})
    arguments = figure_arguments(model_figures.plot_tornado, inputs, params)
    assert list(arguments) == ["tornado", "metrics"] and arguments["metrics"] == ["m"]
    pd.testing.assert_frame_equal(arguments["tornado"], tornado)
    figure = draw_figure("model_figures.plot_tornado", inputs, params)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["a", "b"]
    with pytest.raises(KeyError, match="plot_tornado needs 'metrics'"):
        figure_arguments(model_figures.plot_tornado, inputs, Namedlist({"dpi": 50}))


def test_the_pipeline_describes_every_script_job_and_each_chapter_can_draw_its_figures(tmp_path):
    project = copy_project(tmp_path / "project")
    result = snakemake(project, "--cores", "1", "results/scripts/jobs.json")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = json.loads((project / "results/scripts/jobs.json").read_text())
    scripts = {p.relative_to(project).as_posix() for p in (project / "workflow/scripts").glob("*.py")}
    assert scripts - {job["script"] for job in jobs.values()} == {"workflow/scripts/describe_jobs.py"}
    scenarios = sorted(p.stem for p in (project / "config/scenarios").glob("*.yaml")) + ["baseline"]
    assert sorted(k for k in jobs if k.startswith("run_sensitivity[")) == sorted(
        f"run_sensitivity[{s}]" for s in scenarios)
    low = jobs["run_sensitivity[low_reporting_rate]"]
    assert low["output"]["tornado"] == "results/scenarios/low_reporting_rate/tornado.csv"
    assert low["log"] == ["results/logs/run_sensitivity/low_reporting_rate.log"]
    assert low["params"]["monte_carlo"]["assumptions"]["reporting_rate"]["median"] == pytest.approx(0.07)
    plots = {key: job for key, job in jobs.items() if "draw" in job["params"]}
    assert sorted(plots) == ["notebook_claims", "notebook_cleaning", "notebook_models", "notebook_scenarios",
                             "notebook_sensitivity"]
    for key, job in plots.items():
        assert set(job["params"]["draw"]) == set(job["output"]) - {"notebook"}, key
        for name in job["params"]["draw"].values():
            wanted = set(inspect.signature(figure_function(name)).parameters)
            assert wanted <= set(job["input"]) | set(job["params"]), (key, name)


def by_hand(run: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, f"workflow/scripts/{script}", *args], cwd=run, env=snakemake_env(run),
                          capture_output=True, text=True, timeout=600)


@pytest.mark.pipeline
@pytest.mark.parametrize("script, args, outputs", [
    ("check_claims.py", [], ["results/tables/claims.csv"]),
    ("run_sensitivity.py", ["--scenario", "low_reporting_rate"],
     [f"results/scenarios/low_reporting_rate/{t}.csv" for t in
      ["sensitivity", "claim_support", "tornado", "tipping_points", "tipping_curves", "assumptions"]]),
    ("execute_notebook.py", ["--rule", "notebook_sensitivity"],
     ["results/figures/tornado.png", "results/figures/tipping_curves.png"]),
])
def test_a_script_run_by_hand_writes_the_pipelines_bytes(pipeline_run, tmp_path, script, args, outputs):
    result = by_hand(pipeline_run, script, *args, "--scratch", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    for output in outputs:
        assert (tmp_path / output).read_bytes() == (pipeline_run / output).read_bytes(), output
    assert not (tmp_path / "results/tables/panel.csv").exists()  # inputs are the pipeline's own
