"""Shared start of every script: send stderr to the rule's log so failures are kept."""
import sys


def redirect_stderr(snakemake) -> None:
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w")
