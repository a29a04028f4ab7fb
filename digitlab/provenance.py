"""Where a result came from: file checksums, library versions and the time, written beside every artifact."""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
from pathlib import Path

import numpy as np


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def timestamp() -> str:
    """Now, in UTC, to the second (ISO 8601)."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def versions() -> dict:
    """The versions that decide a trained model's or a measurement's numbers."""
    import keras
    import sklearn

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


def data_identity(path: str | Path) -> dict:
    """{"file", "sha256"} of a data file, to tie a result to the data it came from."""
    return {"file": Path(path).name, "sha256": file_sha256(path)}


def write_json(path: str | Path, record: dict) -> Path:
    """Write a JSON record (indented, newline-terminated), creating its folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def read_json(path: str | Path) -> dict:
    """A JSON record, or {} when the file does not exist."""
    path = Path(path)
    return json.loads(path.read_text()) if path.is_file() else {}
