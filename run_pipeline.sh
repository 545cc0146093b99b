#!/usr/bin/env bash
# Run the whole pipeline and render the reports. Extra arguments go to snakemake,
# e.g. ./run_pipeline.sh --config figures='{dpi: 200}'  or  ./run_pipeline.sh -n
set -euo pipefail
cd "$(dirname "$0")"
source tools/bootstrap_venv.sh
snakemake "$@"
case " $* " in
  *" -n "*|*" --dry-run "*|*" --dryrun "*) ;;
  *) snakemake --report results/report/snakemake_report.html "$@" ;;
esac
echo "report: results/report/report.html (provenance bundle: results/report/snakemake_report.html)"
