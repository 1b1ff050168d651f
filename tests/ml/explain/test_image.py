"""ml.explain.image: an explanation drawn on the part of the image the model saw."""

import json
import shutil

from ml.explain.image import explain_image
from ml.serving import load_classifier, load_image
from ml.serving.bundle import write_bundle_metadata
from ml.serving.cellcrop import cell_region
from tests.ml.conftest import FIXTURE_IMAGES


def test_a_cell_crop_bundle_is_explained_on_the_cell_it_saw(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = json.loads((copy / "bundle.json").read_text())
    metadata["input"]["resize"] = "cell_crop"
    write_bundle_metadata(copy, metadata, ["model.tflite", "model.keras"])
    image = load_image(FIXTURE_IMAGES / "neutrophil" / "kaggle_0_1095.jpeg")

    drawing, _ = explain_image(load_classifier(copy), image, "gradcam", None)

    assert drawing.size == cell_region(image).size
    assert drawing.size[0] == drawing.size[1] < image.size[0]
