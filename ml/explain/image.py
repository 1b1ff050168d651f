"""Explain one image for a loaded classifier, drawn on the part of the image the model saw."""

import numpy as np
from PIL import Image

from ml.explain.gradcam import gradcam_heatmap, load_keras_model
from ml.explain.lime import LIME_SAMPLES, lime_weights
from ml.explain.render import render_lime, render_overlay
from ml.serving import Classifier, framed_region, model_input

METHODS = ("gradcam", "lime")


def explain_image(
    classifier: Classifier,
    image: Image.Image,
    method: str,
    label: str | None,
    samples: int = LIME_SAMPLES,
) -> tuple[Image.Image, str]:
    """(explanation drawn on the part of the image the model saw, the label explained)."""
    array = model_input([image], classifier.image_size, classifier.resize_rule)[0]
    image = framed_region(image, classifier.resize_rule)
    if label is None:
        label = classifier.labels[int(classifier.probabilities(array[np.newaxis])[0].argmax())]
    class_index = classifier.labels.index(label)
    if method == "gradcam":
        model = load_keras_model(classifier.bundle_dir)
        return render_overlay(image, gradcam_heatmap(model, array, class_index)), label
    segment_map, weights = lime_weights(
        classifier.probabilities, array, class_index, samples=samples
    )
    return render_lime(image, segment_map, weights), label
