"""Why the model chose a class: Grad-CAM (model.keras, TensorFlow) and LIME (model.tflite).

Computing and drawing are separate: gradcam.py and lime.py return arrays, render.py draws them,
image.py does both for one image and a loaded classifier. Only the portal's `explain` Celery queue
(review/heatmaps.py) and `python -m ml explain` import this package. Import the modules
themselves: only gradcam.py (and image.py, which uses it) loads TensorFlow, so LIME on a
bundle's model.tflite needs none.
"""
