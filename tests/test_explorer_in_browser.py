"""The assumptions explorer in a real browser: headless Chromium (Debian's package) driven by
Playwright loads the fragment in a minimal page with every network request refused, reads the
sentences the chart shows, moves a slider and ticks the s.15A box, and checks that what is shown
equals the Python computation (test_assumptions_explorer.py ties that to the sensitivity stage)
and moved the way the assumption says. Skipped, saying why, where Chromium or Playwright is
missing; run_tests.sh installs Chromium where it can."""
import math
import re
from pathlib import Path

import pytest

from online_csa.configuration.validation import check_config, read_yaml
from online_csa.report import assumptions_explorer as explorer
from online_csa.report.vendored_javascript import VENDOR_DIR
from test_assumptions_explorer import CLAIMS, RANGES, SETTINGS, WORDS, synthetic_totals

from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
RESULT = re.compile(r"^(?P<claim>\w+), (?P<meaning>[^:]+): ratio (?P<median>[\d.]+) "
                    r"\(90% of draws [\d.]+ to [\d.]+\); holds in (?P<share>[\d.]+)% of draws: (?P<verdict>\w+)$")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: install Debian's chromium "
                                "package (run_tests.sh does, as root) to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def synthetic_page(tmp_path_factory) -> tuple[Path, object, object]:
    """The explorer on synthetic totals, in a page with nothing else."""
    totals = synthetic_totals(draws=400)
    draws, claims = explorer.draws_table(totals, CLAIMS, 200), explorer.claims_table(totals, CLAIMS)
    spec = explorer.explorer_chart(draws, claims, SETTINGS, RANGES, WORDS).to_dict()
    bundle = next((ROOT / VENDOR_DIR).glob("vega-embed_*.js")).read_text(encoding="utf-8")  # what the pins build
    fragment = explorer.explorer_fragment(spec, bundle, "<p>synthetic explorer</p>")
    page = tmp_path_factory.mktemp("explorer") / "synthetic_explorer.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{fragment}</body></html>')
    return page, draws, claims


def open_offline(browser, path: Path):
    """A page at `path` whose requests off the file system are refused and recorded."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!file:|data:|blob:|about:).*"), refuse)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    return page, refused, errors


def shown(page) -> list[str]:
    """The sentences of the results table, in the order shown, once the chart has drawn them."""
    texts = page.locator(f"#{explorer.ELEMENT_ID} svg text")
    page.wait_for_function(f"""() => [...document.querySelectorAll('#{explorer.ELEMENT_ID} svg text')]
                               .some(t => t.textContent.includes('of draws'))""", timeout=20000)
    return [t for t in texts.all_text_contents() if ", " in t and (": ratio " in t or "not computable" in t)]


def move(page, name: str, value) -> list[str]:
    """Set control `name` as a reader would (an input event on the slider, a click on the box) and
    return the sentences once they have changed."""
    before = shown(page)
    control = page.locator(f'#{explorer.ELEMENT_ID} input[name="{name}"]')
    if isinstance(value, bool):
        control.set_checked(value)
    else:
        control.fill(str(value))
    page.wait_for_function(f"""(before) => {{
        const now = [...document.querySelectorAll('#{explorer.ELEMENT_ID} svg text')].map(t => t.textContent);
        return before.some(t => !now.includes(t)); }}""", arg=before, timeout=20000)
    return shown(page)


def parse(sentences: list[str]) -> dict[tuple[str, str], dict]:
    rows = {}
    for sentence in sentences:
        match = RESULT.match(sentence)
        if match:
            rows[(match["claim"], match["meaning"])] = {"median": float(match["median"]),
                                                        "share": float(match["share"]) / 100,
                                                        "verdict": match["verdict"]}
    return rows


def test_the_explorer_shows_the_python_numbers_and_moves_with_its_sliders(browser, synthetic_page):
    path, draws, claims = synthetic_page
    page, refused, errors = open_offline(browser, path)
    expected = explorer.summary(draws, claims, SETTINGS, WORDS)
    assert sorted(shown(page)) == sorted(expected["text"])  # every sentence, to the digit
    before = parse(shown(page))
    assert before[("SYN01", "any rise")]["verdict"] == "holds"

    # The flag applied less completely in the earlier years: a three-year ratio falls by (0.75 / 0.93) cubed.
    after_text = move(page, "flag_completeness_ratio_per_year", 0.75)
    after = parse(after_text)
    assert sorted(after_text) == sorted(explorer.summary(
        draws, claims, {**SETTINGS, "flag_completeness_ratio_per_year": 0.75}, WORDS)["text"])
    for key in before:
        span = 3 if key[0] == "SYN01" else 1
        assert after[key]["median"] == pytest.approx(before[key]["median"] * (0.75 / 0.93) ** span, abs=0.01)
        assert after[key]["share"] <= before[key]["share"]
    assert after[("SYN01", "any rise")]["verdict"] == "fails"  # the rise no longer survives

    # s.15A out: its flagged share comes off 2018/19; 2019/20 has no published count, so no ratio.
    out = move(page, "include_s15a", False)
    assert sorted(out) == sorted(explorer.summary(
        draws, claims, {**SETTINGS, "flag_completeness_ratio_per_year": 0.75, "include_s15a": False},
        WORDS)["text"])
    assert any(t.startswith("SYN02, any rise: not computable") for t in out)
    assert parse(out)[("SYN01", "any rise")]["median"] < after[("SYN01", "any rise")]["median"]
    assert refused == [] and errors == []
    page.close()


@pytest.mark.pipeline
def test_the_report_of_a_real_run_carries_a_working_explorer(browser, pipeline_run):
    """In the report itself: the explorer draws, its starting ratios are the sensitivity stage's
    "central values" medians up to the thinning, and the doubling's ratio falls with the flag
    slider. The report's other scripts may ask the network for things (refused here); the
    explorer needs nothing from it."""
    import pandas as pd

    page, refused, errors = open_offline(browser, pipeline_run / "results/report/report.html")
    start = parse(shown(page))
    sensitivity = pd.read_csv(pipeline_run / "results/scenarios/baseline/sensitivity.csv")
    central = sensitivity[sensitivity["variant"] == "central values"].set_index("metric")["median"]
    doubling = start[("H01b", "doubling")]
    assert doubling["median"] == pytest.approx(central["adjusted ratio 2018/19 vs 2015/16"], abs=0.02)
    config = check_config(read_yaml(ROOT / "config/config.yaml"), ROOT / "workflow/schemas/config.schema.yaml")
    starting = explorer.initial_settings(config["assumptions"])["flag_completeness_ratio_per_year"]
    moved = parse(move(page, "flag_completeness_ratio_per_year", 0.8))
    factor = (0.8 / starting) ** 3  # a three-year comparison
    assert moved[("H01b", "doubling")]["median"] == pytest.approx(doubling["median"] * factor, abs=0.01)
    assert not [e for e in errors if "vega" in e.lower()]
    assert all(not math.isnan(v["median"]) for v in moved.values())
    assert not [url for url in refused if "vega" in url]
    page.close()
