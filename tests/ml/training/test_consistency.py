"""ml.training.consistency: paired batches and the cross-entropy + Jensen-Shannon loss."""

import json

import numpy as np
import pytest
from PIL import Image

from ml.serving.bundle import read_bundle_metadata
from tests.ml.conftest import FIXTURE_IMAGES, train_on_fixtures

FIXTURE = FIXTURE_IMAGES / "eosinophil"


def fixture_batch(size: int = 48) -> np.ndarray:
    paths = sorted(FIXTURE.iterdir())[:3]
    return np.stack([np.asarray(Image.open(p).convert("RGB").resize((size, size))) for p in paths])


def cross_entropy(logits: np.ndarray, label: int) -> float:
    return float(np.log(np.exp(logits).sum()) - logits[label])


def test_reencoded_copies_keep_shape_and_change_pixels():
    from ml.training.consistency import reencoded_copies

    images = fixture_batch()
    copies = reencoded_copies(images, seed=3)
    assert copies.shape == images.shape and copies.dtype == np.uint8
    assert not np.array_equal(copies, images)
    assert np.abs(copies.astype(int) - images.astype(int)).mean() < 20  # the same cells


def test_a_paired_batch_holds_each_image_and_its_copy_with_the_same_label():
    from ml.training.consistency import paired_batch

    images = fixture_batch().astype(np.float32)
    batch, labels = paired_batch(images, np.array([2, 0, 1]))
    assert batch.shape == (6, 48, 48, 3)
    np.testing.assert_array_equal(batch[:3].numpy(), images)
    assert list(labels.numpy()) == [2, 0, 1, 2, 0, 1]


def test_the_loss_is_plain_cross_entropy_when_the_pair_agrees():
    from ml.training.consistency import paired_loss

    logits = np.array([[2.0, 0.0, -1.0], [2.0, 0.0, -1.0]], np.float32)
    loss = np.asarray(paired_loss(12.0)(np.array([0, 0]), logits))
    assert loss == pytest.approx([cross_entropy(logits[0], 0)] * 2, abs=1e-5)


def test_the_loss_adds_the_weighted_jensen_shannon_divergence_of_a_pair():
    from ml.training.consistency import paired_loss

    # One pair: softmax (1/2, 1/2) against (1, e^-30) ~ (1, 0); JS computed by hand on those.
    logits = np.array([[0.0, 0.0], [30.0, 0.0]], np.float32)
    p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    m = (p + q) / 2
    js = 0.5 * (np.sum(p * np.log(p / m)) + q[0] * np.log(q[0] / m[0]))
    loss = np.asarray(paired_loss(2.0)(np.array([1, 1]), logits))
    assert loss[0] == pytest.approx(cross_entropy(logits[0], 1) + 2.0 * js, abs=1e-4)
    assert loss[1] == pytest.approx(cross_entropy(logits[1], 1) + 2.0 * js, abs=1e-4)


@pytest.mark.slow
def test_training_with_consistency_writes_a_bundle_that_loads(tmp_path, monkeypatch):
    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--epochs", "1", "--fine-tune-epochs", "1", "--consistency", "12",
         "--out", str(tmp_path / "paired")],
    )  # fmt: skip

    assert status == 0
    import keras

    keras.models.load_model(tmp_path / "paired" / "model.keras")  # no custom loss needed
    config = json.loads((tmp_path / "paired" / "config.json").read_text())
    assert config["consistency"] == 12
    assert read_bundle_metadata(tmp_path / "paired")["labels"]
    assert "consistency" in (tmp_path / "paired" / "MODEL_CARD.md").read_text()


def test_a_negative_consistency_weight_is_refused(tmp_path, monkeypatch):
    status = train_on_fixtures(
        tmp_path, monkeypatch, ["--consistency", "-1", "--out", str(tmp_path / "x")]
    )
    assert status == 2
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("scales", ["1.0,0.5", "0,1", "half"])
def test_bad_consistency_scales_are_refused(scales, tmp_path, monkeypatch, capsys):
    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--consistency", "12", "--consistency-scales", scales, "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert status == 2
    assert "--consistency-scales" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
