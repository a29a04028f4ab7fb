"""Teaching the model a class's handwriting, on a tiny model and a few drawings: the app's background job and
`python train.py --fine-tune --extra PATH`."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import train
from digitlab import catalog, i18n
from digitlab.data import load_mnist
from digitlab.i18n import N_, Deferred
from digitlab.model import load_model
from digitlab.provenance import read_json
from digitlab.training.classroom import (
    TRAINING_BACKEND,
    ClassSplit,
    FineTuneJob,
    NotEnoughDrawingsError,
    class_settings,
    compare,
    fine_tune_on_class,
    progress_line,
    read_line,
)


@pytest.fixture(scope="module")
def parent(tmp_path_factory, tiny_model):
    path = tmp_path_factory.mktemp("parent") / "digitlab_cnn.keras"
    tiny_model.save(path)
    return path


@pytest.fixture(scope="module")
def class_npz(tmp_path_factory, synthetic_mnist):
    """A class's export: 24 drawings to learn from and 8 held back, in the MNIST layout."""
    (x, y), _ = load_mnist(synthetic_mnist)
    path = tmp_path_factory.mktemp("class") / "class.npz"
    np.savez(path, x_train=x[:24], y_train=y[:24], x_test=x[24:32], y_test=y[24:32])
    return path


def test_fine_tuning_saves_a_model_the_app_lists_with_its_before_and_after(
    parent, class_npz, synthetic_mnist, tmp_path
):
    split = ClassSplit.from_dataset(load_mnist(class_npz), test_ids=range(100, 108))
    output = catalog.model_files(catalog.CLASS, tmp_path).model
    reports = []
    metadata = fine_tune_on_class(parent, split, load_mnist(synthetic_mnist), synthetic_mnist, output,
                                  class_settings(epochs=1), progress=lambda *step: reports.append(step))  # fmt: skip
    shares, messages = zip(*reports, strict=True)

    files = catalog.model_files(catalog.CLASS, tmp_path)
    assert files.model.is_file() and files.metadata.is_file() and files.evaluation.is_file()
    assert load_model(files.model).count_params() == load_model(parent).count_params()
    result = read_json(files.metadata)["class"]
    assert result["held_back"] == 8 and result["training_drawings"] == 24
    assert set(result["now_right_ids"]) <= set(range(100, 108))
    assert shares[0] == 0.0 and shares[-1] == 1.0 and list(shares) == sorted(shares)
    assert str(messages[1]) == "Learning the class's handwriting: step 1"  # shown in the language of who shows it
    assert metadata["parent"]["model_sha256"] and 0.0 <= metadata["test_accuracy"] <= 1.0


def test_too_few_drawings_say_how_many_are_needed(parent, synthetic_mnist, tmp_path):
    (x, y), _ = load_mnist(synthetic_mnist)
    split = ClassSplit(x[:5], y[:5].astype(int), x[5:7], y[5:7].astype(int))
    with pytest.raises(NotEnoughDrawingsError, match="at least 20 drawings to learn from"):
        fine_tune_on_class(parent, split, load_mnist(synthetic_mnist), synthetic_mnist, tmp_path / "m.keras")


def test_the_background_job_reports_its_error_instead_of_raising(parent, synthetic_mnist, tmp_path):
    (x, y), _ = load_mnist(synthetic_mnist)
    job = FineTuneJob()
    assert job.start(parent, ClassSplit(x[:2], y[:2].astype(int), x[2:3], y[2:3].astype(int)), tmp_path / "m.keras",
                     synthetic_mnist)  # fmt: skip
    job.wait(60)
    assert not job.is_running and job.metadata is None and "Draw some more" in str(job.error)


def test_the_background_job_fine_tunes_in_a_process_of_its_own_on_tensorflow(
    parent, class_npz, synthetic_mnist, tmp_path
):
    split = ClassSplit.from_dataset(load_mnist(class_npz), test_ids=range(100, 108))
    output = catalog.model_files(catalog.CLASS, tmp_path).model
    job = FineTuneJob()
    assert job.start(parent, split, output, synthetic_mnist)
    job.wait(300)

    assert not job.is_running and job.error is None
    assert job.metadata == read_json(output.with_suffix(".json"))
    assert job.metadata["versions"]["backend"] == TRAINING_BACKEND == "tensorflow"
    assert job.metadata["class"]["held_back"] == 8 and job.metadata["class"]["training_drawings"] == 24
    assert set(job.metadata["class"]["now_right_ids"]) <= set(range(100, 108))
    assert job.progress == 1.0 and str(job.message) == "Measuring the fine-tuned model"
    assert load_model(output).count_params() == load_model(parent).count_params()


def test_an_error_in_the_fine_tuning_process_ends_the_job_with_its_message(class_npz, synthetic_mnist, tmp_path):
    split = ClassSplit.from_dataset(load_mnist(class_npz))
    job = FineTuneJob()
    job.start(tmp_path / "absent.keras", split, tmp_path / "m.keras", synthetic_mnist)
    job.wait(300)
    assert not job.is_running and job.metadata is None
    assert str(job.error).startswith(f"No model file at {tmp_path / 'absent.keras'}")
    assert not (tmp_path / "m.keras").exists()


def test_the_fine_tuning_processs_lines_are_read_back_in_the_language_of_who_reads_them():
    said = read_line(progress_line(Deferred(N_("Learning the class's handwriting: step {step}"), step=12), 0.5))
    assert said["progress"] == 0.5 and not said["error"]
    assert str(said["message"]) == "Learning the class's handwriting: step 12"
    i18n.set_language("pt_BR")
    try:
        assert str(said["message"]) == "Aprendendo a letra da turma: passo 12"
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    error = read_line(progress_line("No model file at /nowhere."))
    assert error["error"] and str(error["message"]) == "No model file at /nowhere."
    assert read_line("Epoch 1/3") is None and read_line("[1, 2]") is None and read_line('{"message": 1}') is None


def test_the_job_reads_past_a_librarys_output_and_says_when_the_process_stopped():
    job = FineTuneJob()
    line = progress_line(Deferred(N_("Learning the class's handwriting: step {step}"), step=3), 0.25)
    script = f"print('a library says hello'); print({line!r}); raise SystemExit(3)"
    assert job._follow([sys.executable, "-c", script]) == 3
    assert job.progress == 0.25 and str(job.message) == "Learning the class's handwriting: step 3"
    assert str(job.error) == "The fine-tuning process stopped unexpectedly (exit status 3)."


def test_a_split_written_for_the_fine_tuning_process_reads_back_whole(class_npz, tmp_path):
    split = ClassSplit.from_dataset(load_mnist(class_npz), test_ids=range(100, 108))
    split.save(tmp_path / "split.npz")
    again = ClassSplit.load(tmp_path / "split.npz")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, name), getattr(split, name))
    assert again.test_ids == tuple(range(100, 108))


def test_the_background_jobs_messages_are_said_in_the_language_of_each_session_showing_them(
    parent, synthetic_mnist, tmp_path
):
    (x, y), _ = load_mnist(synthetic_mnist)
    job = FineTuneJob()
    i18n.set_language("pt_BR")  # the teacher who starts it speaks Portuguese
    try:
        job.start(parent, ClassSplit(x[:2], y[:2].astype(int), x[2:3], y[2:3].astype(int)), tmp_path / "m.keras",
                  synthetic_mnist)  # fmt: skip
        job.wait(60)
        assert "Desenhem mais um pouco" in str(job.error)
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    assert "Draw some more" in str(job.error)  # and a session in English reads it in English


def test_compare_finds_the_drawings_now_read_right():
    labels = np.array([1, 2, 3])
    before, after = np.eye(10)[[1, 5, 5]], np.eye(10)[[1, 2, 5]]
    result = compare(labels, before, after)
    assert result["now_right"] == [1] and result["now_wrong"] == []
    assert result["before"]["accuracy"] == pytest.approx(1 / 3) and result["after"]["accuracy"] == pytest.approx(2 / 3)


def test_the_command_line_fine_tunes_on_an_exported_class(parent, class_npz, synthetic_mnist, tmp_path, capsys):
    argv = ["--fine-tune", "--extra", str(class_npz), "--data", str(synthetic_mnist), "--init-from", str(parent),
            "--output-dir", str(tmp_path), "--epochs", "1"]  # fmt: skip
    assert train.main(argv) == 0
    assert catalog.model_files(catalog.CLASS, tmp_path).model.is_file()
    assert "held-back class drawings" in capsys.readouterr().out


def test_extra_without_fine_tune_is_refused(class_npz, capsys):
    assert train.main(["--extra", str(class_npz)]) == 2
    assert "--extra goes with --fine-tune" in capsys.readouterr().err
