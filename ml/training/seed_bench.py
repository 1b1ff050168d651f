"""The seed's way of classifying, timed beside ours: a Keras model loaded once, then per image
`keras.utils.load_img(path, target_size=...)` and `model.predict` on that one image (one view,
no test-time augmentation), through TensorFlow.

Training-side only: TensorFlow is imported inside the function, and never by ml.serving.
"""

import time
from pathlib import Path

import numpy as np

WARMUP_RUNS = 3


def seed_way_ms(keras_model: Path, image_paths: list[Path], size: int, runs: int) -> float:
    """p50 milliseconds per image the seed's way."""
    import keras

    model = keras.models.load_model(keras_model, compile=False)

    def one(path: Path) -> None:
        image = keras.utils.load_img(path, target_size=(size, size))
        batch = np.expand_dims(keras.utils.img_to_array(image), 0)
        model.predict(batch, verbose=0)

    for path in image_paths[:WARMUP_RUNS]:
        one(path)
    timings = []
    for run_index in range(runs):
        start = time.perf_counter()
        one(image_paths[run_index % len(image_paths)])
        timings.append((time.perf_counter() - start) * 1000)
    return round(float(np.percentile(timings, 50)), 2)
