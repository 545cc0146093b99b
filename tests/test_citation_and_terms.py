"""What a reuser needs: a licence for the code, terms for the data, a citation file."""
import yaml

from conftest import ROOT


def test_the_citation_file_has_what_cff_requires_and_names_the_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "license"} <= set(citation)
    assert citation["license"] == "MIT" and "MIT License" in (ROOT / "LICENSE").read_text()


def test_the_data_terms_cover_every_raw_file_and_the_open_government_licence():
    terms = (ROOT / "data/TERMS.md").read_text()
    for path in (ROOT / "data/raw").glob("*.csv"):
        assert path.name in terms, path.name
    assert "Open Government Licence v3.0" in terms
