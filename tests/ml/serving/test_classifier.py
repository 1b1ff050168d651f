"""ml.serving.classifier: loading a bundle, calibrated batch prediction, decoding, and no
TensorFlow."""

import dataclasses
import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ml.serving.bundle import write_bundle_metadata
from ml.serving.classifier import (
    BundleError,
    ImageDecodeError,
    Prediction,
    load_classifier,
    softmax_with_temperature,
)
from ml.training import paths
from tests.ml.conftest import FIXTURE_IMAGES

PBC_IMAGE = FIXTURE_IMAGES / "ig" / "pbc_IG_101958.jpg"


def _copy_bundle(bundle, tmp_path, **changes):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    metadata = json.loads((copy / "bundle.json").read_text())
    metadata.update(changes)
    write_bundle_metadata(copy, metadata, ["model.tflite", "model.keras"])
    return copy


def test_it_does_not_import_tensorflow(tiny_bundle):
    code = (
        "import sys\n"
        "from ml.serving import load_classifier\n"
        f"clf = load_classifier({str(tiny_bundle)!r})\n"
        f"clf.predict_paths([{str(PBC_IMAGE)!r}])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"


def test_it_exposes_the_bundle_metadata(tiny_classifier, tiny_bundle):
    assert tiny_classifier.name == "tiny"
    assert tiny_classifier.labels == json.loads((tiny_bundle / "bundle.json").read_text())["labels"]
    assert 0.0 < tiny_classifier.confidence_threshold <= 1.0
    assert tiny_classifier.metadata["input"]["size"] == 64
    assert tiny_classifier.bundle_dir == tiny_bundle


def test_it_predicts_calibrated_probabilities_that_sum_to_one(tiny_classifier):
    [prediction] = tiny_classifier.predict([Image.open(PBC_IMAGE)])

    assert set(prediction.probabilities) == set(tiny_classifier.labels)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)
    assert prediction.label == max(prediction.probabilities, key=prediction.probabilities.get)
    assert prediction.confidence == prediction.probabilities[prediction.label]


def test_a_batch_gives_the_same_results_as_single_images(tiny_classifier):
    image_paths = sorted(FIXTURE_IMAGES.glob("*/*"))[:5]

    batch = tiny_classifier.predict_paths(image_paths)
    singles = [tiny_classifier.predict_paths([path])[0] for path in image_paths]

    for one, other in zip(batch, singles, strict=True):
        assert one.label == other.label
        assert one.confidence == pytest.approx(other.confidence, abs=1e-5)


def test_it_splits_batches_longer_than_the_largest_batch(tiny_classifier, monkeypatch):
    monkeypatch.setattr("ml.serving.classifier.MAX_BATCH", 2)
    images = [Image.open(path) for path in sorted(FIXTURE_IMAGES.glob("*/*"))[:5]]

    assert len(tiny_classifier.predict(images)) == 5


def test_it_returns_nothing_for_no_images(tiny_classifier):
    assert tiny_classifier.predict([]) == []


def test_it_divides_the_logits_by_the_temperature(tiny_bundle, tmp_path):
    sharp = load_classifier(_copy_bundle(tiny_bundle, tmp_path / "a", temperature=1.0))
    soft = load_classifier(_copy_bundle(tiny_bundle, tmp_path / "b", temperature=2.0))

    [p1] = sharp.predict_paths([PBC_IMAGE])
    [p2] = soft.predict_paths([PBC_IMAGE])

    first, second = sharp.labels[0], sharp.labels[1]
    log_odds_1 = np.log(p1.probabilities[first] / p1.probabilities[second])
    log_odds_2 = np.log(p2.probabilities[first] / p2.probabilities[second])
    assert log_odds_2 == pytest.approx(log_odds_1 / 2, rel=1e-4, abs=1e-6)
    assert p1.label == p2.label


def test_top_lists_the_most_probable_labels_first():
    prediction = Prediction("b", 0.5, {"a": 0.2, "b": 0.5, "c": 0.3})

    assert prediction.top(2) == [("b", 0.5), ("c", 0.3)]
    assert prediction.top(10) == [("b", 0.5), ("c", 0.3), ("a", 0.2)]


def test_a_prediction_is_frozen():
    prediction = Prediction("b", 0.5, {"b": 0.5})

    with pytest.raises(dataclasses.FrozenInstanceError):
        prediction.label = "a"


def _encoded(image: Image.Image, image_format: str) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    buffer.seek(0)
    return Image.open(buffer)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "TIFF", "BMP"])
def test_it_reads_every_supported_format(tiny_classifier, image_format):
    image = _encoded(Image.open(PBC_IMAGE).convert("RGB"), image_format)

    [prediction] = tiny_classifier.predict([image])

    assert prediction.label in tiny_classifier.labels


@pytest.mark.parametrize(
    "make_image",
    [
        lambda: Image.open(PBC_IMAGE).convert("RGBA"),
        lambda: Image.open(PBC_IMAGE).convert("L"),
        lambda: Image.open(PBC_IMAGE).convert("P"),
        lambda: Image.fromarray(np.full((50, 70), 40000, dtype=np.uint16)),
        lambda: Image.open(PBC_IMAGE).resize((7, 5)),
        lambda: Image.open(PBC_IMAGE).resize((1200, 900)),
    ],
    ids=["rgba", "greyscale", "palette", "16-bit", "tiny", "large"],
)
def test_it_accepts_any_mode_and_size(tiny_classifier, make_image):
    image = _encoded(make_image(), "PNG")

    [prediction] = tiny_classifier.predict([image])

    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)


def test_an_unreadable_file_raises_an_error_naming_it(tiny_classifier, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")

    with pytest.raises(ImageDecodeError, match="broken.jpg"):
        tiny_classifier.predict_paths([PBC_IMAGE, broken])


def test_a_truncated_image_raises_an_image_decode_error(tiny_classifier, tmp_path):
    truncated = tmp_path / "truncated.png"
    data = _png_bytes()
    truncated.write_bytes(data[: len(data) // 2])

    with pytest.raises(ImageDecodeError, match="truncated.png"):
        tiny_classifier.predict_paths([truncated])


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.open(PBC_IMAGE).save(buffer, format="PNG")
    return buffer.getvalue()


def test_it_rejects_a_corrupt_model_file(tiny_bundle, tmp_path):
    copy = _copy_bundle(tiny_bundle, tmp_path)
    (copy / "model.tflite").write_bytes(b"garbage")

    with pytest.raises(BundleError, match="corrupt"):
        load_classifier(copy)


def test_it_rejects_an_unsupported_input_contract(tiny_bundle, tmp_path):
    metadata = json.loads((tiny_bundle / "bundle.json").read_text())
    copy = _copy_bundle(tiny_bundle, tmp_path, input={**metadata["input"], "scaling": "unit"})

    with pytest.raises(BundleError, match="scaling"):
        load_classifier(copy)


def test_it_rejects_an_unknown_bundle_name():
    with pytest.raises(BundleError, match="no model bundle"):
        load_classifier("no-such-bundle")


def test_the_default_bundle_classifies_pbc_fixture_images(shipped_pbc8):
    classifier = load_classifier("default")
    image_paths = sorted(FIXTURE_IMAGES.glob("*/pbc_*"))

    predictions = classifier.predict_paths(image_paths)

    correct = sum(
        p.label == path.parent.name for p, path in zip(predictions, image_paths, strict=True)
    )
    assert classifier.bundle_dir.resolve() == shipped_pbc8.resolve()
    assert correct >= 0.8 * len(image_paths)


def test_a_cell_crop_bundle_frames_images_around_the_cell(tiny_bundle, tmp_path):
    metadata = json.loads((tiny_bundle / "bundle.json").read_text())
    copy = _copy_bundle(tiny_bundle, tmp_path, input={**metadata["input"], "resize": "cell_crop"})
    stretched, cropped = load_classifier(tiny_bundle), load_classifier(copy)
    image = Image.open(FIXTURE_IMAGES / "neutrophil" / "kaggle_0_1095.jpeg")

    assert cropped.resize_rule == "cell_crop"
    assert cropped.model_input([image]).shape == stretched.model_input([image]).shape
    assert not np.array_equal(cropped.model_input([image]), stretched.model_input([image]))


def test_it_rejects_an_unknown_resize_rule(tiny_bundle, tmp_path):
    metadata = json.loads((tiny_bundle / "bundle.json").read_text())
    copy = _copy_bundle(tiny_bundle, tmp_path, input={**metadata["input"], "resize": "squash"})

    with pytest.raises(BundleError, match="resize"):
        load_classifier(copy)


def test_the_shipped_kaggle4_crops_to_the_cell_and_averages_four_rotations():
    classifier = load_classifier("kaggle4")
    image_paths = sorted(FIXTURE_IMAGES.glob("*/kaggle_*"))  # Kaggle TRAIN images it saw

    predictions = classifier.predict_paths(image_paths)

    assert (classifier.resize_rule, classifier.tta) == ("cell_crop", "rot4")
    correct = sum(
        p.label == path.parent.name for p, path in zip(predictions, image_paths, strict=True)
    )
    assert correct >= 0.75 * len(image_paths)


def test_it_stops_after_the_first_view_where_that_view_is_sure(shipped_pbc8, tmp_path):
    every_view = load_classifier(shipped_pbc8)
    batch = every_view.model_input(
        [Image.open(path) for path in sorted(FIXTURE_IMAGES.glob("*/pbc_*"))]
    )
    first = every_view.logits(batch, "none")
    averaged = every_view.logits(batch, every_view.tta)
    sure = softmax_with_temperature(first, every_view.temperature).max(axis=1)
    level = float(np.median(sure))  # half the images answered from one view, half from four
    early = load_classifier(_copy_bundle(shipped_pbc8, tmp_path, test_time_exit_confidence=level))

    logits = early.logits(batch)

    assert early.exit_confidence == level and 0 < (sure >= level).sum() < len(batch)
    expected = np.where((sure >= level)[:, None], first, averaged)
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(early.logits(batch, early.tta), averaged, rtol=1e-5, atol=1e-5)
    every = early.probabilities(batch, every_view=True)
    np.testing.assert_allclose(
        every, softmax_with_temperature(averaged, early.temperature), atol=1e-5
    )


def test_it_rejects_an_exit_confidence_that_is_not_a_probability(tiny_bundle, tmp_path):
    copy = _copy_bundle(tiny_bundle, tmp_path, test_time_exit_confidence=1.5)

    with pytest.raises(BundleError, match="test_time_exit_confidence"):
        load_classifier(copy)
