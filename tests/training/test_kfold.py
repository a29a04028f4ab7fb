"""K-fold cross-validation of the bundled recipe (`train.py --kfold K`)."""

import json

import numpy as np
import pytest

import train
from digitlab.config import MODEL_PATH
from digitlab.training import kfold as kfold_module
from tests.test_evaluate import make_bars


@pytest.mark.slow
def test_kfold_on_a_tiny_subset_reports_k_folds(tiny_handwriting, tmp_path, capsys, monkeypatch):
    built = []  # the width of every network the folds train: the one the settings ask for
    build_model = kfold_module.build_model
    monkeypatch.setattr(kfold_module, "build_model", lambda **kwargs: built.append(kwargs) or build_model(**kwargs))
    x, y = make_bars(400, seed=2)
    data_path = tmp_path / "bars.npz"
    np.savez(data_path, x_train=x, y_train=y, x_test=x[:50], y_test=y[:50])
    args = ["--data", str(data_path), "--output-dir", str(tmp_path), "--kfold", "3", "--limit", "300"]
    assert train.main([*args, "--epochs", "1", "--quiet", "--filters", "8", "16"]) == 0

    assert built == [{"filters": (8, 16)}] * 3
    kfold = json.loads((tmp_path / "metadata.json").read_text())["kfold"]
    assert kfold["settings"]["filters"] == [8, 16]
    scores = [fold["accuracy"] for fold in kfold["folds"]]
    assert kfold["k"] == 3 and len(scores) == 3
    assert sum(fold["test_size"] for fold in kfold["folds"]) == kfold["images"] == 300
    assert kfold["mean_accuracy"] == pytest.approx(np.mean(scores))
    assert kfold["std_accuracy"] == pytest.approx(np.std(scores))
    assert "3-fold accuracy" in capsys.readouterr().out
    assert not (tmp_path / MODEL_PATH.name).exists(), "--kfold must not replace the model"


def test_kfold_keeps_the_rest_of_the_metadata(tmp_path):
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps({"test_accuracy": 0.99}))
    kfold_module.save_cross_validation({"k": 2, "folds": []}, path)
    assert json.loads(path.read_text()) == {"test_accuracy": 0.99, "kfold": {"k": 2, "folds": []}}
