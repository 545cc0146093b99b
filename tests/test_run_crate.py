"""The Workflow Run RO-Crate of a run (report/run_crate.py): a synthetic project packaged and read
back, and (pipeline) the crate of a real run listing every registered raw file with its sha256."""
import hashlib
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from rocrate.rocrate import ROCrate

from online_csa.report.run_crate import CONFIG_AS_RUN, PROFILES, build_run_crate, write_crate_zip

WORKFLOW_RUN = "https://w3id.org/ro/wfrun/workflow/0.6"


def synthetic_project(root: Path) -> dict[str, list[str]]:
    files = {"Snakefile": "rule all:\n    input: 'results/tables/synthetic.csv'\n",
             "workflow/rules/synthetic.smk": "# synthetic rules\n",
             "data/raw/synthetic_figures.csv": "record_id,value\nS0001,12\n",
             "data/sources.csv": "file,sha256\ndata/raw/synthetic_figures.csv,x\n",
             "config/config.yaml": "draws: 10\n",
             "config/scenarios/synthetic_scenario.yaml": "description: synthetic\n",
             "results/tables/synthetic.csv": "a,b\n1,2\n",
             "results/report/report.html": "<html><body>synthetic</body></html>\n",
             "docs/rulegraph.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n"}
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return {"code": ["workflow/rules/synthetic.smk"],
            "raw_inputs": ["data/raw/synthetic_figures.csv", "data/sources.csv"],
            "configuration": ["config/config.yaml", "config/scenarios/synthetic_scenario.yaml"],
            "outputs": ["results/tables/synthetic.csv", "results/report/report.html"],
            "documentation": ["docs/rulegraph.svg"]}


def crate_metadata(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("ro-crate-metadata.json"))


def check_workflow_run_crate(metadata: dict) -> dict[str, dict]:
    """The checks a Workflow Run Crate must pass here; returns the graph by @id."""
    assert "https://w3id.org/ro/terms/workflow-run/context" in metadata["@context"]
    graph = {entity["@id"]: entity for entity in metadata["@graph"]}
    root = graph[graph["ro-crate-metadata.json"]["about"]["@id"]]
    assert {c["@id"] for c in root["conformsTo"]} >= set(PROFILES)
    assert graph[WORKFLOW_RUN]["name"] == "Workflow Run Crate"
    main = graph[root["mainEntity"]["@id"]]
    assert set(main["@type"]) >= {"File", "SoftwareSourceCode", "ComputationalWorkflow"}
    assert graph[main["programmingLanguage"]["@id"]]["name"] == "Snakemake"
    runs = [e for e in graph.values() if e.get("@type") == "CreateAction"]
    assert len(runs) == 1 and runs[0]["instrument"]["@id"] == main["@id"] and runs[0]["endTime"]
    assert root["datePublished"] and root["license"]
    return graph


def test_a_crate_lists_inputs_with_checksums_the_configuration_as_run_and_the_outputs(tmp_path):
    project = tmp_path / "synthetic_project"
    parts = synthetic_project(project)
    crate = build_run_crate(project, workflow="Snakefile", **parts, config={"draws": 10},
                            scenarios=[{"name": "synthetic_scenario", "assumptions": {}}],
                            versions=[{"package": "snakemake", "version": "9.27.1"}], title="Synthetic run",
                            license_id="https://spdx.org/licenses/MIT", scratch=tmp_path / "scratch")
    written = write_crate_zip(crate, tmp_path / "ro-crate.zip")
    graph = check_workflow_run_crate(crate_metadata(written))
    run = next(e for e in graph.values() if e.get("@type") == "CreateAction")
    inputs, results = {o["@id"] for o in run["object"]}, {r["@id"] for r in run["result"]}
    for path in parts["raw_inputs"]:
        assert path in inputs
        assert graph[path]["sha256"] == hashlib.sha256((project / path).read_bytes()).hexdigest()
    assert set(parts["configuration"]) | {CONFIG_AS_RUN} <= inputs and results == set(parts["outputs"])
    assert graph["docs/rulegraph.svg"]["encodingFormat"] == "image/svg+xml"
    software = graph[graph["Snakefile"]["softwareRequirements"][0]["@id"]]
    assert (software["name"], software["softwareVersion"]) == ("snakemake", "9.27.1")
    with zipfile.ZipFile(written) as archive:
        assert archive.read("data/raw/synthetic_figures.csv") == (project / "data/raw/synthetic_figures.csv").read_bytes()
        assert "synthetic_scenario" in archive.read(CONFIG_AS_RUN).decode()
    read_back = ROCrate(written)  # the rocrate library reads it back
    assert read_back.mainEntity.id == "Snakefile" and read_back.dereference(CONFIG_AS_RUN) is not None
    with zipfile.ZipFile(written) as ours, zipfile.ZipFile(crate.write_zip(tmp_path / "library.zip")) as library:
        assert ours.namelist() == library.namelist()  # the library's entries, in its order, with its bytes
        assert all(ours.read(name) == library.read(name) for name in ours.namelist())
        assert {info.compress_type for info in ours.infolist()} == {zipfile.ZIP_DEFLATED}


@pytest.mark.pipeline
def test_the_crate_of_a_real_run_lists_every_registered_raw_file_with_its_checksum(pipeline_run):
    graph = check_workflow_run_crate(crate_metadata(pipeline_run / "results/report/ro-crate.zip"))
    registry = pd.read_csv(pipeline_run / "data/sources.csv")
    for row in registry.itertuples():
        assert graph[row.file]["sha256"] == row.sha256, row.file
    for output in ["results/report/report.html", "results/report/report.pdf", "results/tables/claims.csv",
                   "results/scenarios/baseline/claim_support.csv"]:
        assert graph[output]["sha256"] == hashlib.sha256((pipeline_run / output).read_bytes()).hexdigest()


def test_the_crate_lists_each_rules_tables_figures_and_reports_once_per_scenario():
    from types import SimpleNamespace

    from online_csa.rule_support.rule_outputs import rule_outputs

    rules = [SimpleNamespace(output=["results/tables/a.csv", "results/notebooks/a.ipynb"], wildcard_names=set()),
             SimpleNamespace(output=["results/scenarios/{scenario,[a-z]+}/b.csv"], wildcard_names={"scenario"}),
             SimpleNamespace(output=["results/tables/a.csv", "results/report/report.html"], wildcard_names=set())]
    assert rule_outputs(rules, (".csv", ".html"), {"scenario": ["one", "two"]}) == [
        "results/report/report.html", "results/scenarios/one/b.csv", "results/scenarios/two/b.csv",
        "results/tables/a.csv"]
