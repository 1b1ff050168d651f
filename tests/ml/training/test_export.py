"""ml.training.export: float32 and int8 TFLite files written into a bundle, int8 scored next to
float."""

import json
import shutil

import numpy as np
import pytest

from ml.serving.bundle import BundleError, read_bundle_metadata
from tests.ml.conftest import run_command


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    return shutil.copytree(tiny_bundle, tmp_path / "bundle")


@pytest.mark.slow
def test_int8_export_reports_its_accuracy_next_to_float(bundle_copy):

    assert run_command("export", ["--model", str(bundle_copy), "--format", "tflite-int8"]) == 0
    metadata = read_bundle_metadata(bundle_copy)
    assert "model_int8.tflite" in metadata["files"]
    report = json.loads((bundle_copy / "metrics.json").read_text())["int8"]
    assert set(report["float32"]) == set(report["int8"]) == {"accuracy", "macro_f1"}
    assert 0.0 <= report["int8_float_top1_agreement"] <= 1.0
    assert report["bytes"]["int8"] < report["bytes"]["float32"]


@pytest.mark.slow
def test_int8_outputs_track_the_float_model(bundle_copy):
    from ml.training import export

    export.export_bundle(bundle_copy, "tflite-int8")
    images = np.random.default_rng(0).uniform(0, 255, size=(8, 64, 64, 3)).astype(np.float32)
    float_logits = export.tflite_outputs(bundle_copy / "model.tflite", images)
    int8_logits = export.tflite_outputs(bundle_copy / "model_int8.tflite", images)
    assert int8_logits.shape == float_logits.shape
    assert np.corrcoef(float_logits.ravel(), int8_logits.ravel())[0, 1] > 0.9


@pytest.mark.slow
def test_float_export_rewrites_model_tflite_and_its_hash(bundle_copy):
    from ml.training import export

    (bundle_copy / "model.tflite").write_bytes(b"broken")
    with pytest.raises(BundleError):
        read_bundle_metadata(bundle_copy)
    export.export_bundle(bundle_copy, "tflite")
    assert read_bundle_metadata(bundle_copy)["files"]["model.tflite"]


def test_top1_agreement_counts_matching_argmax():
    from ml.training.export import top1_agreement

    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    b = np.array([[2.0, 1.0], [1.0, 0.0], [3.0, 0.0]])
    assert top1_agreement(a, b) == pytest.approx(2 / 3)


def test_the_command_names_an_unknown_bundle_without_a_traceback(capsys):

    assert run_command("export", ["--model", "no-such-bundle", "--format", "tflite"]) == 2
    assert capsys.readouterr().err.startswith("error: no model bundle 'no-such-bundle'")
