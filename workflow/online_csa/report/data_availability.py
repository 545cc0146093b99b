"""The report's data-availability statement, built from the registry and the ledger itself so
that every count in it is the data's own: what each raw file is, on what terms it may be reused
(data/TERMS.md), which dates the ledger records, and which archived copies exist."""
from __future__ import annotations

import pandas as pd

from online_csa.report.narrative import n

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ARCHIVES = ("web.archive.org", "archive.org/web", "archive.ph", "archive.today", "webarchive.nationalarchives.gov.uk")


def _dated(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].fillna("").astype(str).str.strip().ne("").sum()) if column in frame else 0


def data_availability_markdown(registry: pd.DataFrame, force_figures: pd.DataFrame, national_figures: pd.DataFrame,
                               parameters: pd.DataFrame) -> str:
    """Markdown: the raw files and their terms, the ledger's dates, the archived copies."""
    ledgers = {"force_figures.csv": force_figures, "national_figures.csv": national_figures,
               "under_recording_parameters.csv": parameters}
    addresses = sorted(set(pd.concat([f["source_url"] for f in ledgers.values()]).dropna().astype(str)))
    archived = [a for a in addresses if any(host in a for host in ARCHIVES)]
    rows = sum(len(f) for f in ledgers.values())
    files = "\n".join(f"| `{r.file}` | {r.publisher} | {r.vintage} |" for r in registry.itertuples())
    return f"""## Data availability

Every input is in the repository, under `data/raw/`, unchanged and checked against its sha256 in
`data/sources.csv` at the start of each run; nothing is downloaded. The code is under the MIT licence
(`LICENSE`), which does not cover the data; `data/TERMS.md` gives the data's terms, and `CITATION.cff`
says how to cite the project.

| file | published by | ledger release |
|---|---|---|
{files}

**The source ledger** (`force_figures.csv`, `national_figures.csv`, `under_recording_parameters.csv`:
{n(rows)} rows from {n(len(addresses))} source addresses) holds figures quoted from public sources, each row
citing the address it was read at. The figures are facts as published; the wording of the sources belongs to
their publishers. Reuse a figure with a citation of its row's source, and of this project for the compilation.
Police figures released under the Freedom of Information Act are public; a force's own terms, where stated,
apply.

**ONS data.** `child_population.csv` sums ONS mid-year population estimates and `police_forces.csv` lists
police force areas with their ONS codes, both published under the [Open Government Licence v3.0]({OGL}):
contains public sector information licensed under the Open Government Licence v3.0.

**Dates.** The ledger records when a source printed a figure, not when it was read: a source date on
{n(_dated(force_figures, "source_date"))} of {n(len(force_figures))} force rows, a release date on
{n(_dated(national_figures, "release_date"))} of {n(len(national_figures))} national rows, and the year of
the estimate on {n(_dated(parameters, "year"))} of {n(len(parameters))} parameter rows. No access date is
recorded row by row; every source was read on or before the ledger release that added it (the table above).

**Archived copies.** None is kept with the project, and {n(len(archived))} of the {n(len(addresses))} addresses
point to a web archive. A source that has moved may be found in a public web archive by its address; the
figure and its citation in the ledger remain the record.
"""
