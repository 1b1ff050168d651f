"""The ways one cell image reaches the portal: re-saved as JPEG, PNG, TIFF or BMP, or resized.

`variants()` is the fixed table that `python -m research.robustness` scores a model on;
`random_reencoding` draws one lossy variant of the same family for training
(ml/training/consistency.py).
"""

import io

import numpy as np
from PIL import Image

JPEG_QUALITIES = (50, 60, 70, 80, 90, 95, 100)
CHROMA = {"420": 2, "444": 0}  # Pillow's `subsampling` values
RESIZE_FACTORS = (0.5, 0.75, 1.25, 1.5, 2.0)
RESIZE_RANGE = (min(RESIZE_FACTORS), max(RESIZE_FACTORS))


def encode(image: Image.Image, image_format: str, **options) -> Image.Image:
    """The image after a save to `image_format` and a fresh decode."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return decoded.convert("RGB")


def resize(image: Image.Image, factor: float) -> Image.Image:
    width, height = image.size
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def variants() -> dict:
    """name -> function(PIL image) -> PIL image, in a fixed order."""
    table = {}
    for quality in JPEG_QUALITIES:
        for chroma, subsampling in CHROMA.items():
            table[f"jpeg_q{quality}_{chroma}"] = lambda image, q=quality, s=subsampling: encode(
                image, "JPEG", quality=q, subsampling=s
            )
    table["png"] = lambda image: encode(image, "PNG")
    table["tiff"] = lambda image: encode(image, "TIFF")
    table["bmp"] = lambda image: encode(image, "BMP")
    for factor in RESIZE_FACTORS:
        table[f"resize_{factor}x"] = lambda image, f=factor: resize(image, f)
    return table


def random_jpeg(image: Image.Image, rng: np.random.Generator, low: int, high: int) -> Image.Image:
    """The image re-saved as JPEG at a quality drawn from low..high, 4:2:0 or 4:4:4 chroma."""
    quality = int(rng.integers(low, high + 1))
    subsampling = int(rng.choice(list(CHROMA.values())))
    return encode(image, "JPEG", quality=quality, subsampling=subsampling)


def random_reencoding(
    image: Image.Image,
    rng: np.random.Generator,
    scales: tuple[float, float] = RESIZE_RANGE,
) -> Image.Image:
    """One lossy variant from the range `variants()` spans: half the time a JPEG re-save at
    quality 50-100 with either chroma, otherwise a resize by a factor in `scales`
    (log-uniform; by default 0.5-2x)."""
    if rng.random() < 0.5:
        return random_jpeg(image, rng, min(JPEG_QUALITIES), max(JPEG_QUALITIES))
    return resize(image, float(np.exp(rng.uniform(*np.log(scales)))))
