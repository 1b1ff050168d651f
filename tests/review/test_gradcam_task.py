"""The heatmap task end to end with real Grad-CAM (TensorFlow) on a tiny saved Keras model."""

import pytest
from PIL import Image

from ml.serving.bundle import write_bundle_metadata
from review import tasks
from review.models import Heatmap
from tests.review.helpers import LABELS, add_image, make_case, make_version

SIZE = 32


def save_tiny_model(path) -> None:
    import keras

    keras.utils.set_random_seed(3)
    inner = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inner)
    backbone = keras.Model(inner, x, name="backbone")
    inputs = keras.Input((SIZE, SIZE, 3))
    x = backbone(keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs), training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(len(LABELS))(x))
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)


def bundle_metadata() -> dict:
    return {
        "name": "tiny-keras",
        "labels": LABELS,
        "input": {
            "size": SIZE,
            "channels": 3,
            "scaling": "raw_0_255",
            "resize": "bilinear_stretch",
        },
        "backbone": "tiny",
        "initialisation": "scratch",
        "temperature": 1.0,
        "confidence_threshold": 0.5,
        "split_hash": "test",
    }


@pytest.mark.slow
def test_compute_heatmap_writes_a_gradcam_overlay(lab_a, monkeypatch):
    version = make_version("tiny-keras")
    version.input_spec = {"size": SIZE, "channels": 3}
    version.save()
    save_tiny_model(version.bundle_dir / "model.keras")
    write_bundle_metadata(version.bundle_dir, bundle_metadata(), ["model.keras"])
    image = add_image(make_case(lab_a, "GC-1"), "monocyte", retained=True, version=version)
    monkeypatch.setattr(tasks.compute_heatmap, "delay_on_commit", lambda image_id: None)
    from review.heatmaps import request_heatmap

    request_heatmap(image)

    assert tasks.compute_heatmap(image.pk) == Heatmap.Status.DONE
    heatmap = Heatmap.objects.get(image=image)
    with Image.open(heatmap.path) as overlay, Image.open(image.path) as original:
        assert overlay.format == "PNG"
        assert overlay.size == original.size
    assert heatmap.label == "monocyte"
