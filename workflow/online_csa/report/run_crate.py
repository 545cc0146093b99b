"""A Workflow Run RO-Crate of one run: the citable package a reader deposits on Zenodo or
WorkflowHub (README: "Archiving a run").

The crate (a zip with `ro-crate-metadata.json` at its root) follows Workflow Run Crate 0.6, which
extends Process Run Crate 0.6 and Workflow RO-Crate 1.1 on RO-Crate 1.3. Its main entity is the
Snakefile, a ComputationalWorkflow in Snakemake, with the rules, scripts, package and notebooks
beside it; one CreateAction is the run, with the workflow as its instrument, the raw inputs and
the configuration as its objects and the tables, figures and reports as its results. Every file
carries its sha256 (the Workflow Run vocabulary's `sha256`) and size. The configuration appears
twice: the files as they stand, and `config-as-run.yaml`, the merged configuration with every
default filled in and each scenario's assumptions, which is what the run used. The software is
the pinned lock (`requirements.txt`) and one SoftwareApplication per package that decides the
numbers, with its installed version. The rule graph is `docs/rulegraph.svg`.

The crate records when it was written (the run's end), so unlike the outputs it packages it
differs between two runs; every file in it is byte-identical.
"""
from __future__ import annotations

import hashlib
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import yaml
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

WORKFLOW_RUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
PROFILES = {"https://w3id.org/ro/wfrun/process/0.6": ("Process Run Crate", "0.6"),
            "https://w3id.org/ro/wfrun/workflow/0.6": ("Workflow Run Crate", "0.6"),
            "https://w3id.org/workflowhub/workflow-ro-crate/1.1": ("Workflow RO-Crate", "1.1")}
CONFIG_AS_RUN = "config-as-run.yaml"
ENCODINGS = {".csv": "text/csv", ".png": "image/png", ".html": "text/html", ".pdf": "application/pdf",
             ".svg": "image/svg+xml", ".yaml": "application/yaml", ".json": "application/json",
             ".md": "text/markdown", ".py": "text/x-python", ".txt": "text/plain", ".smk": "text/x-python",
             ".rst": "text/x-rst", ".cff": "application/yaml"}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _file_properties(path: Path, description: str) -> dict:
    props = {"name": path.name, "description": description, "sha256": sha256(path),
             "contentSize": str(path.stat().st_size)}
    if path.suffix in ENCODINGS:
        props["encodingFormat"] = ENCODINGS[path.suffix]
    return props


def _add_files(crate: ROCrate, root: Path, paths: list[str], description: str) -> list:
    return [crate.add_file(root / path, dest_path=path, properties=_file_properties(root / path, description))
            for path in sorted(set(paths))]


def config_as_run(config: dict, scenarios: list[dict]) -> str:
    """The merged configuration with its defaults and each scenario's assumptions, as YAML."""
    return yaml.safe_dump({"config": config, "scenarios": scenarios}, sort_keys=False, allow_unicode=True,
                          width=100)


def build_run_crate(root: Path, *, workflow: str, code: list[str], raw_inputs: list[str], configuration: list[str],
                    outputs: list[str], documentation: list[str], config: dict, scenarios: list[dict],
                    versions: list[dict], title: str, license_id: str, scratch: Path,
                    end_time: datetime | None = None) -> ROCrate:
    """The crate of one run. Paths are relative to the project `root` and keep their place in the
    crate; `scratch` is a folder for the generated config-as-run file."""
    root = Path(root)
    crate = ROCrate()
    crate.metadata.extra_contexts.append(WORKFLOW_RUN_CONTEXT)
    crate.name = title
    crate.description = ("One run of the pipeline: its raw inputs, configuration as run, tables, figures and "
                         "reports, the workflow that made them and the software versions it used.")
    crate.license = crate.add(ContextEntity(crate, license_id, properties={
        "@type": "CreativeWork", "name": "MIT License (the code); the data under data/TERMS.md"}))
    end = (end_time or datetime.now(timezone.utc)).replace(microsecond=0)
    crate.datePublished = end.isoformat()
    for profile, (name, version) in PROFILES.items():
        crate.root_dataset.append_to("conformsTo", crate.add(ContextEntity(crate, profile, properties={
            "@type": "CreativeWork", "name": name, "version": version})))

    software = [crate.add(ContextEntity(crate, f"#software-{row['package']}", properties={
        "@type": "SoftwareApplication", "name": row["package"], "softwareVersion": row["version"]}))
        for row in versions]
    main = crate.add_workflow(root / workflow, dest_path=workflow, main=True, lang="snakemake",
                              lang_version=next((r["version"] for r in versions if r["package"] == "snakemake"), None),
                              properties=_file_properties(root / workflow, "The workflow: the top-level Snakefile"))
    main["softwareRequirements"] = software
    main["hasPart"] = _add_files(crate, root, code, "Part of the workflow: rules, scripts, package and notebooks")

    raw = _add_files(crate, root, raw_inputs, "Raw input, vendored unchanged; its sha256 is checked against "
                                              "data/sources.csv before anything runs")
    settings = _add_files(crate, root, configuration, "Configuration file as it stands in the project")
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / CONFIG_AS_RUN).write_text(config_as_run(config, scenarios), encoding="utf-8")
    settings.append(crate.add_file(scratch / CONFIG_AS_RUN, dest_path=CONFIG_AS_RUN, properties=_file_properties(
        scratch / CONFIG_AS_RUN, "The configuration as run: config/config.yaml merged with any --config and "
                                 "--configfile, every default filled in, and each scenario's assumptions")))
    results = _add_files(crate, root, outputs, "Output of the run")
    _add_files(crate, root, documentation, "Documentation of the workflow (the rule graph, the README, the "
                                           "citation, the terms of the data)")

    run = crate.add_action(main, identifier="#run", object=raw + settings, result=results, properties={
        "name": f"Run of {title}", "endTime": end.isoformat(),
        "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"}})
    crate.root_dataset["mentions"] = [run]
    return crate


# zlib's fastest level: the crate is written at the end of every run, after both reports, and most of its bytes
# (the reports, with their embedded figures, and the PNGs) barely shrink more at the default level 6 (the zip is
# about 7% larger, for a third of the time).
ZIP_LEVEL = 1


def write_crate_zip(crate: ROCrate, path: str | Path, compresslevel: int = ZIP_LEVEL) -> Path:
    """The crate as a zip at `path`: the entries ROCrate.write_zip writes, in its order, deflated at
    `compresslevel`."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for entity in crate.data_entities + crate.default_entities:
            name, entry = None, None
            for entry_name, chunk in entity.stream(chunk_size=1 << 16):
                if entry_name != name:
                    if entry is not None:
                        entry.close()
                    name, entry = entry_name, archive.open(entry_name, mode="w", force_zip64=True)
                entry.write(chunk)
            if entry is not None:
                entry.close()
    return path
