"""Keep the explorer's JavaScript bundle of the installed vl-convert and Altair in the repository.

    .venv/bin/python tools/vendor_vega_embed.py

Writes workflow/report/vendor/<name for these versions>.js (online_csa.report.vendored_javascript)
and removes the bundles of other versions. Run it after changing the pins of vl-convert-python or
altair; tests/test_assumptions_explorer.py fails until it is run.
"""
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from online_csa.report.assumptions_explorer import vega_embed_bundle  # noqa: E402
from online_csa.report.vendored_javascript import VENDOR_DIR, vendored_bundle_name  # noqa: E402


def main() -> None:
    folder = ROOT / VENDOR_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / vendored_bundle_name(version("vl-convert-python"), version("altair"))
    target.write_text(vega_embed_bundle(), encoding="utf-8")
    for other in folder.glob("vega-embed_*.js"):
        if other != target:
            other.unlink()
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
