"""ml.training.train end to end on the fixture images: CLI -> bundle -> TFLite, in seconds (tiny
size)."""

import json
import shutil

import numpy as np
import pytest

from ml.__main__ import main
from ml.serving.bundle import read_bundle_metadata, update_bundle_metadata
from ml.training.train_data import limit_items
from tests.ml.conftest import FIXTURE_IMAGES, KAGGLE_CLASSES, train_on_fixtures


@pytest.fixture(scope="module")
def cli_bundle(tmp_path_factory):
    """Train through `python -m ml train` on the 4 Kaggle classes (4 fixture images each)."""
    work = tmp_path_factory.mktemp("cli_train")
    for label in KAGGLE_CLASSES:
        shutil.copytree(FIXTURE_IMAGES / label, work / "tree" / label.upper())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEMATOVISION_CACHE", str(work / "cache"))
        status = main(
            ["train", "--dataset", "folder", "--data", str(work / "tree"), "--labels",
             ",".join(KAGGLE_CLASSES), "--backbone", "mobilenet_025", "--image-size", "32",
             "--epochs", "1", "--fine-tune-epochs", "1", "--batch-size", "4",
             "--out", str(work / "bundle")]
        )  # fmt: skip
    assert status == 0
    return work / "bundle"


@pytest.mark.slow
def test_it_writes_a_valid_bundle(cli_bundle):
    metadata = read_bundle_metadata(cli_bundle)
    assert metadata["labels"] == KAGGLE_CLASSES
    assert metadata["input"] == {
        "size": 32, "channels": 3, "scaling": "raw_0_255", "resize": "bilinear_stretch"
    }  # fmt: skip
    assert metadata["initialisation"] in ("imagenet", "scratch")
    assert metadata["temperature"] > 0
    assert 0.5 <= metadata["confidence_threshold"] <= 0.95
    # The references of the portal's domain check: validation confidence, training appearance.
    assert metadata["validation_confidence"]["n"] > 0
    assert metadata["training_appearance"]["n"] > 0
    assert set(metadata["training_appearance"]["quantiles"]) == {
        "background_brightness", "stain_darkness", "stain_red_minus_blue", "stained_share"
    }  # fmt: skip
    for name in ("model.keras", "model.tflite", "metrics.json", "config.json", "MODEL_CARD.md",
                 "curves.png", "confusion_matrix.png"):  # fmt: skip
        assert (cli_bundle / name).stat().st_size > 0


@pytest.mark.slow
def test_it_scores_every_split_and_records_tflite_agreement(cli_bundle):
    metrics = json.loads((cli_bundle / "metrics.json").read_text())
    for split, images in (("train", 8), ("val", 4), ("test", 4)):
        scores = metrics[split]
        assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "ece"} <= set(scores)
        assert set(scores["ece"]) == {"before_temperature", "after_temperature"}
        assert sum(map(sum, scores["confusion_matrix"])) == scores["images"] == images
    assert metrics["test"]["tflite_keras_top1_agreement"] == 1.0


@pytest.mark.slow
def test_it_records_the_config_timing_and_a_model_card(cli_bundle):
    config = json.loads((cli_bundle / "config.json").read_text())
    assert config["backbone"] == "mobilenet_025" and config["fine_tune_epochs"] == 1
    assert config["training"]["timing"]["fit_seconds"] > 0
    assert len(config["training"]["history"]["loss"]) == 2  # one epoch per stage
    card = (cli_bundle / "MODEL_CARD.md").read_text()
    assert "decision support, not a diagnostic device" in card.lower()


@pytest.mark.slow
def test_the_tflite_model_agrees_with_keras(cli_bundle):
    import keras

    from ml.training.export import tflite_outputs

    images = np.random.default_rng(0).uniform(0, 255, size=(5, 32, 32, 3)).astype(np.float32)
    model = keras.models.load_model(cli_bundle / "model.keras", compile=False)
    expected = model.predict_on_batch(images)
    assert np.allclose(tflite_outputs(cli_bundle / "model.tflite", images), expected, atol=1e-3)


def test_limit_per_class_keeps_at_most_n_of_each_class():
    items = [(f"{label}{i}", label) for label in (0, 1) for i in range(10)]
    kept = limit_items(items, 3, seed=1)
    assert sorted(label for _, label in kept) == [0, 0, 0, 1, 1, 1]
    assert kept == limit_items(items, 3, seed=1)


@pytest.mark.slow
def test_a_warm_start_retrains_a_bundle_with_another_framing(cli_bundle, tmp_path, monkeypatch):
    """--init-from: the bundle's weights start the run; cell_crop and augment options are kept."""
    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--epochs", "0", "--fine-tune-epochs", "1", "--init-from", str(cli_bundle),
         "--resize", "cell_crop", "--augment", '{"blur": 1.0}', "--out", str(tmp_path / "warm")],
    )  # fmt: skip

    assert status == 0
    metadata = read_bundle_metadata(tmp_path / "warm")
    config = json.loads((tmp_path / "warm" / "config.json").read_text())
    assert metadata["input"]["resize"] == "cell_crop"
    assert metadata["initialisation"] == read_bundle_metadata(cli_bundle)["initialisation"]
    assert config["init_from"] == str(cli_bundle) and config["augment"] == {"blur": 1.0}
    assert config["training"]["stage_boundary"] == 0
    assert "cell" in (tmp_path / "warm" / "MODEL_CARD.md").read_text()


@pytest.mark.parametrize(
    "augment, message",
    [('{"low_resolution_probability": 1.5}', "in [0, 1]"), ('{"sharpen": 1}', "sharpen")],
)
def test_train_refuses_bad_augment_options_before_any_work(tmp_path, capsys, augment, message):
    status = main(
        ["train", "--dataset", "folder", "--data", str(tmp_path / "missing"), "--labels", "a,b",
         "--augment", augment, "--out", str(tmp_path / "out")]
    )  # fmt: skip

    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_warm_start_refuses_a_bundle_with_other_labels(cli_bundle, tmp_path, monkeypatch, capsys):
    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--epochs", "0", "--init-from", str(cli_bundle), "--out", str(tmp_path / "warm")],
        labels=KAGGLE_CLASSES[:2],
    )  # fmt: skip

    assert status == 2
    assert "must match" in capsys.readouterr().err


@pytest.mark.slow
def test_a_refit_trains_on_train_and_val_and_keeps_the_reference_calibration(
    cli_bundle, tmp_path, monkeypatch
):
    """--refit-from: val joins train, every epoch runs, and the reference bundle's temperature,
    threshold, views and validation confidences (fitted on held-out images) are kept."""
    reference = tmp_path / "reference"
    shutil.copytree(cli_bundle, reference)
    update_bundle_metadata(reference, {"test_time_augmentation": "flip4"})

    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--epochs", "1", "--fine-tune-epochs", "2", "--refit-from", str(reference),
         "--out", str(tmp_path / "refit")],
    )  # fmt: skip

    assert status == 0
    before, after = read_bundle_metadata(reference), read_bundle_metadata(tmp_path / "refit")
    for key in ("temperature", "confidence_threshold", "validation_confidence"):
        assert after[key] == before[key]
    assert after["test_time_augmentation"] == "flip4"
    assert after["refit_of"]["name"] == before["name"]
    training = json.loads((tmp_path / "refit" / "config.json").read_text())["training"]
    assert training["images"]["train"] == 12  # 8 train + 4 val images
    assert "val_loss" not in training["history"] and training["best_epoch"] == 3
    metrics = json.loads((tmp_path / "refit" / "metrics.json").read_text())
    assert metrics["val"]["seen_in_training"] is True
    assert metrics["test_time_augmentation"] == "flip4"
    assert metrics["test"]["tflite_keras_top1_agreement"] == 1.0  # both over the 4 flips
    card = (tmp_path / "refit" / "MODEL_CARD.md").read_text()
    assert "Refit on train + validation" in card and "no early stopping" in card


def test_a_refit_refuses_a_missing_reference_before_any_work(tmp_path, capsys):
    status = main(
        ["train", "--dataset", "folder", "--data", str(tmp_path / "missing"), "--labels", "a,b",
         "--refit-from", str(tmp_path / "no-bundle"), "--out", str(tmp_path / "out")]
    )  # fmt: skip

    assert status == 2
    assert "no-bundle" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_refit_refuses_a_reference_with_other_labels_before_decoding(
    cli_bundle, tmp_path, monkeypatch, capsys
):
    from ml.training import data

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded images before checking the labels")

    monkeypatch.setattr(data, "cached_images", no_decoding)
    status = train_on_fixtures(
        tmp_path, monkeypatch,
        ["--refit-from", str(cli_bundle), "--out", str(tmp_path / "refit")],
        labels=KAGGLE_CLASSES[:2],
    )  # fmt: skip

    assert status == 2
    assert "must be" in capsys.readouterr().err
    assert not (tmp_path / "refit").exists()
