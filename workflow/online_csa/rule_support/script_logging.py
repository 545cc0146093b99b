"""Shared start of every rule script: send stderr to the rule's log so a failure's traceback is kept."""
import sys


def redirect_stderr(snakemake) -> None:
    if snakemake.log:
        sys.stderr = open(snakemake.log[0], "w")
