import shutil

import pandas as pd
import pytest

from online_csa.raw_data.ledger import LedgerError, read_force_figures
from online_csa.raw_data.checksums import ChecksumMismatch, read_registry, sha256_of, verify_checksums
from conftest import ROOT


def test_vendored_files_match_the_registry():
    result = verify_checksums(read_registry(ROOT / "data/sources.csv"), root=ROOT)
    assert len(result) == 6
    assert (result["sha256_expected"] == result["sha256_actual"]).all()


def test_vendored_ledger_is_identical_to_the_shared_original():
    shared = ROOT.parent / "shared" / "data"
    if not shared.exists():
        pytest.skip("shared/ ledger not beside this checkout")
    for name in ["force_figures.csv", "national_figures.csv", "police_forces.csv", "child_population.csv",
                 "under_recording_parameters.csv"]:
        assert sha256_of(ROOT / "data/raw" / name) == sha256_of(shared / name), name


def test_an_edited_raw_file_stops_the_pipeline_and_is_named(tmp_path):
    (tmp_path / "data/raw").mkdir(parents=True)
    for name in ["force_figures.csv", "police_forces.csv"]:
        shutil.copy(ROOT / "data/raw" / name, tmp_path / "data/raw" / name)
    registry = read_registry(ROOT / "data/sources.csv")
    registry = registry[registry["file"].isin(["data/raw/force_figures.csv", "data/raw/police_forces.csv"])]
    with open(tmp_path / "data/raw/force_figures.csv", "a") as handle:
        handle.write("F9999,Kent,England,2018/19,online_child_sexual_offences,1,,x,x,2019\n")
    with pytest.raises(ChecksumMismatch) as error:
        verify_checksums(registry, root=tmp_path)
    assert "data/raw/force_figures.csv" in str(error.value)
    assert "police_forces.csv" not in str(error.value)


def test_a_missing_raw_file_is_named(tmp_path):
    registry = read_registry(ROOT / "data/sources.csv").head(1)
    with pytest.raises(ChecksumMismatch, match="force_figures.csv: listed in the registry but not found"):
        verify_checksums(registry, root=tmp_path)


def test_a_malformed_ledger_names_file_line_and_field(tmp_path):
    frame = pd.read_csv(ROOT / "data/raw/force_figures.csv", dtype=str)
    frame.loc[4, "record_id"] = "X12"  # line 6 of the file
    frame.loc[7, "measure"] = "Online Offences"  # line 9
    path = tmp_path / "force_figures.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LedgerError) as error:
        read_force_figures(path)
    message = str(error.value)
    assert f"{path}: line 6 (record_id X12), field 'record_id'" in message
    assert "line 9" in message and "field 'measure'" in message


def test_a_duplicated_record_id_is_an_error(tmp_path):
    frame = pd.read_csv(ROOT / "data/raw/force_figures.csv", dtype=str)
    frame.loc[10, "record_id"] = frame.loc[9, "record_id"]
    path = tmp_path / "force_figures.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LedgerError, match="field 'record_id'"):
        read_force_figures(path)


@pytest.mark.parametrize("byte, encoding, shown", [(b"\x96", "cp1252", "'–'"), (b"\x81", "latin-1", "'\\x81'")])
def test_a_ledger_file_that_is_not_utf8_names_line_byte_and_likely_encoding(tmp_path, byte, encoding, shown):
    path = tmp_path / "force_figures.csv"
    path.write_bytes(b"record_id,force,nation,fiscal_year,measure,value,qualifier,source_url,source_title,"
                     b"source_date\nF0001,Kent,England,2018/19,online_child_sexual_offences,1,,x,x,2019\n"
                     b"F0002,Kent,England,2018/19,online_child_sexual_offences,2,one " + byte + b" two,x,x,2019\n")
    with pytest.raises(LedgerError) as error:
        read_force_figures(path)
    assert str(error.value) == (f"{path}: line 3, column 63: byte 0x{byte[0]:02x} is not UTF-8; the file seems to be "
                                f"{encoding} (where that byte is {shown}): save it as UTF-8")


@pytest.mark.parametrize("codec, said", [
    ("utf-16", "UTF-16 (little-endian), with a byte-order mark"),
    ("utf-32", "UTF-32 (little-endian), with a byte-order mark"),
    ("utf-16-be", "UTF-16 (big-endian), without a byte-order mark"),
    ("utf-16-le", "UTF-16 (little-endian), without a byte-order mark")])
def test_a_utf16_ledger_file_is_named_as_such(tmp_path, codec, said):
    """A spreadsheet's "Unicode text" export: reported as UTF-16 or UTF-32, not as cp1252 with 'ÿ'
    (and a UTF-16 file without a mark, which decodes as UTF-8 full of NUL bytes, is caught too)."""
    path = tmp_path / "force_figures.csv"
    path.write_bytes("record_id,force,nation,fiscal_year,measure,value,qualifier,source_url,source_title,"
                     "source_date\nF0001,Kent,England,2018/19,online_child_sexual_offences,1,,x,x,2019\n".encode(codec))
    with pytest.raises(LedgerError) as error:
        read_force_figures(path)
    assert str(error.value) == f"{path}: line 1, column 1: the file is {said}, not UTF-8: save it as UTF-8"


def test_a_bad_police_register_is_named_by_file_line_and_field(tmp_path):
    from online_csa.raw_data.ledger import LedgerError, read_police_forces

    register = tmp_path / "police_forces.csv"  # synthetic register: a duplicate name, an unknown nation, an empty code
    register.write_text("force,short_name,ons_code,nation,region\n"
                        "Alpha,alpha,E1,England,North\nBeta,alpha,,Atlantis,\n")
    with pytest.raises(LedgerError) as error:
        read_police_forces(register)
    message = str(error.value)
    assert f"{register}: line 3 (force 'Beta'), field 'ons_code': empty" in message
    assert "line 3 (force 'Beta'), field 'nation': 'Atlantis' is not one of England" in message
    assert "line 2 (force 'Alpha'), field 'short_name': 'alpha' appears more than once" in message
    register.write_text("force,short_name,ons_code,nation,region\nAlpha,alpha,E1,England,North\n")
    assert list(read_police_forces(register)["force"]) == ["Alpha"]
