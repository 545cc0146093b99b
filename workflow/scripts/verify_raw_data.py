"""Rule verify_raw_data: recompute the sha256 of every registered raw file; stop on any mismatch."""
from online_csa.rule_support.pipeline_job import rule_job

snakemake = rule_job(globals(), "verify_raw_data")

from online_csa.raw_data.checksums import read_registry, verify_checksums  # noqa: E402

registry = read_registry(snakemake.input.registry)
verify_checksums(registry, root=".").to_csv(snakemake.output.checksums, index=False, lineterminator="\n")
