"""Write the README's assumptions reference and docs/configuration.md from the config schema.

    .venv/bin/python tools/config_reference.py          # rewrite both
    .venv/bin/python tools/config_reference.py --check  # exit 1 if either is stale (the tests do this)
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from online_csa.configuration.reference import assumptions_reference, full_reference, replace_section  # noqa: E402
from online_csa.configuration.validation import load_schema  # noqa: E402


def generated() -> dict[Path, str]:
    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    readme = ROOT / "README.md"
    return {readme: replace_section(readme.read_text(), assumptions_reference(schema)),
            ROOT / "docs/configuration.md": full_reference(schema)}


if __name__ == "__main__":
    stale = [path for path, text in generated().items() if not path.exists() or path.read_text() != text]
    if "--check" in sys.argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run tools/config_reference.py")
        sys.exit(1 if stale else 0)
    for path, text in generated().items():
        path.write_text(text)
    print("written:", ", ".join(str(p.relative_to(ROOT)) for p in generated()))
