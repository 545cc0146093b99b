"""Run by Python as it starts, in the jobs of a run with a job server only (online_csa.rule_support.job_server puts
this folder on their PYTHONPATH): a script Snakemake wrote for a job is handed to the server before its first line,
so that the job's own process does not first import Snakemake to read its preamble (about 0.2 s a job). Any other
Python started in a job, or a job the server declines, goes on as if this file did not exist."""
import os
import sys

if (os.environ.get("ONLINE_CSA_JOB_SERVER", "").lower() not in ("", "off") and sys.argv
        and f"{os.sep}.snakemake{os.sep}scripts{os.sep}" in os.path.abspath(sys.argv[0])):
    from online_csa.rule_support.job_server import hand_over

    hand_over(sys.argv[0])
