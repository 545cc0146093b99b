"""The explorer's JavaScript, kept in the repository for the pinned versions.

Building the Vega-Embed bundle (assumptions_explorer.vega_embed_bundle) costs about 3 s of CPU, in
every cold run, and its result depends only on the installed vl-convert and Altair. The
repository keeps the bundle of the pinned versions in workflow/report/vendor/ under a name that
says which (written by tools/vendor_vega_embed.py); the rule vega_embed_bundle copies it, and
builds the bundle only for versions it does not hold. A test checks that the kept file is what the
installed versions build. Vega, Vega-Lite and Vega-Embed are BSD-3-Clause licensed.
"""
from __future__ import annotations

VENDOR_DIR = "workflow/report/vendor"


def vendored_bundle_name(vl_convert_version: str, altair_version: str) -> str:
    """The file name of the bundle built by these vl-convert and Altair versions."""
    return f"vega-embed_vl-convert-{vl_convert_version}_altair-{altair_version}.js"
