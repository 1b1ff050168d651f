"""`python -m ml fields train` on two fields for one epoch per stage writes a loadable bundle,
and `python -m ml fields bundle` writes it again."""

import json

import pytest

from ml.serving.bundle import read_bundle_metadata
from ml.serving.detector import load_detector
from tests.ml.conftest import run_command


@pytest.mark.slow
def test_a_tiny_training_run_writes_a_loadable_detector_bundle(tmp_path):
    out = tmp_path / "tiny_fields"

    code = run_command(
        "fields",
        ["train", "--out", str(out), "--head-epochs", "1", "--epochs", "1",
         "--steps-per-epoch", "1", "--batch-size", "2", "--limit", "2"],
    )  # fmt: skip

    assert code == 0
    metadata = read_bundle_metadata(out)
    assert metadata["kind"] == "detector" and metadata["labels"] == ["wbc", "rbc", "platelet"]
    assert metadata["input"]["size"] == [320, 240]
    assert 0 < metadata["wbc_crop"]["fill_share"] < 1
    assert metadata["edge_cut_max"] == 0.5
    for name in (
        "model.tflite",
        "metrics.json",
        "MODEL_CARD.md",
        "curves.png",
        "validation_field.png",
    ):
        assert name in metadata["files"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["validation"]["all"]["per_class"]) == {"wbc", "rbc", "platelet"}
    assert repr(load_detector(out)).startswith("<Detector tiny_fields")

    # Written again from model.keras and history.json, without training.
    (out / "MODEL_CARD.md").unlink()
    assert run_command("fields", ["bundle", "--out", str(out), "--limit", "2"]) == 0
    assert (out / "MODEL_CARD.md").is_file()
    assert read_bundle_metadata(out)["input"]["size"] == [320, 240]
