"""Rule verify_raw_data: recompute the sha256 of every registered raw file; stop on any mismatch."""
from online_csa.rule_support.script_logging import redirect_stderr

redirect_stderr(snakemake)  # noqa: F821 (injected by Snakemake)

from online_csa.raw_data.checksums import read_registry, verify_checksums  # noqa: E402

registry = read_registry(snakemake.input.registry)
verify_checksums(registry, root=".").to_csv(snakemake.output.checksums, index=False, lineterminator="\n")
