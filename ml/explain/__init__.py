"""Why the model chose a class: Grad-CAM (model.keras, TensorFlow) and LIME (model.tflite).

Computing and drawing are separate: gradcam.py and lime.py return arrays, render.py draws them,
image.py does both for one image and a loaded classifier. Only the portal's `explain` Celery queue
(review/heatmaps.py) and `python -m ml explain` import this package: it imports TensorFlow.
"""

from ml.explain.gradcam import gradcam_heatmap, load_keras_model, normalise_heatmap
from ml.explain.image import explain_image
from ml.explain.render import render_overlay

__all__ = [
    "explain_image",
    "gradcam_heatmap",
    "load_keras_model",
    "normalise_heatmap",
    "render_overlay",
]
