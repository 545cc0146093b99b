# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Appendix: provenance of every number
#
# Every value in the panel and every claim traces to ledger records, and every record to the
# address of the source that printed it. The tables below list them; the same information
# is in `results/tables/panel.csv`, `claims.csv` and `ledger_routing.csv`.

# %%
import pandas as pd

from online_csa.narrative import md, source_addresses, table
from online_csa.tables import read_table

inp = snakemake.input  # noqa: F821
panel = read_table(inp.panel, "panel")
claims = read_table(inp.claims, "claims")
sources = pd.concat([pd.read_csv(inp.force_figures, dtype=str), pd.read_csv(inp.national_figures, dtype=str)])
checksums = pd.read_csv(inp.checksums, dtype=str)

# %% [markdown]
# ## Source files

# %%
table(checksums, ["file", "sha256_actual", "bytes"])

# %% [markdown]
# ## Panel values and their sources

# %%
valued = panel[panel["record_ids"] != ""].copy()
valued["sources"] = valued["record_ids"].map(lambda ids: source_addresses(ids, sources))
md(f"{len(valued)} panel cells cite at least one ledger record.")
table(valued, ["series", "force", "fiscal_year", "value", "status", "sources", "alternatives"])

# %% [markdown]
# ## Claims and their sources

# %%
claims["sources"] = claims["record_ids"].map(lambda ids: source_addresses(ids, sources))
table(claims, ["claim_id", "verdict", "sources", "input_record_ids"])
