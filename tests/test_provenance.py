"""Where a result came from: checksums, versions, time, and timing one call."""

import json

from digitlab.provenance import data_identity, file_sha256, read_json, timestamp, versions, write_json
from digitlab.timing import time_call


def test_checksums_identify_a_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert data_identity(path) == {"file": "data.bin", "sha256": file_sha256(path)}


def test_json_records_are_written_and_read_back(tmp_path):
    path = write_json(tmp_path / "deep" / "record.json", {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1} and path.read_text().endswith("\n")
    assert read_json(path) == {"a": 1} and read_json(tmp_path / "absent.json") == {}


def test_versions_and_time_name_what_decides_the_numbers():
    assert {"python", "keras", "backend", "numpy", "scikit-learn"} <= set(versions())
    assert timestamp().endswith("+00:00")


def test_timing_a_call_reports_percentiles_after_warm_up():
    calls = []
    timing = time_call(lambda: calls.append(1), runs=7)
    assert len(calls) == 5 + 7 and timing["runs"] == 7 and 0 <= timing["p50"] <= timing["p95"]
