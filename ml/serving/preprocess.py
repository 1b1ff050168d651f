"""Decode and resize one image the same way for training, evaluation and serving (no TensorFlow).

The model takes float32 RGB 0..255 at size x size; the rescaling to the backbone's range happens
inside the model. A bundle names its resize rule, and training, evaluation and serving all apply
it through `resize_to_array`:

- "bilinear_stretch": the whole image stretched to a square (no crop, no padding);
- "cell_crop": a square around the stained cell, scaled to the cell (ml/serving/cellcrop.py), so
that
  fields framed differently by different labs look alike to the model;
- "cell_field": a square of a fixed share of the shorter side centred on the stained cell, so
  that a cell keeps its true size relative to the field (ml/serving/cellcrop.py).
"""

import math
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ml.serving.cellcrop import CROP_RULE as CELL_CROP
from ml.serving.cellcrop import FIELD_RULE as CELL_FIELD
from ml.serving.cellcrop import (
    FIELD_SHARE,
    MIN_SIDE,
    cell_region,
    crop_field,
    crop_to_cell,
    field_region,
)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
STRETCH = "bilinear_stretch"
# Rules that frame the stained cell: (frame at size x size, the region of the image it shows).
CELL_FRAMINGS = {
    CELL_CROP: (crop_to_cell, cell_region),
    CELL_FIELD: (crop_field, field_region),
}
RESIZE_RULES = (STRETCH, *CELL_FRAMINGS)


class ImageDecodeError(ValueError):
    """A file could not be read as an image."""


def decode_side(size: int, rule: str = STRETCH) -> int:
    """The shorter side an image needs for `rule` to frame it at size x size without upscaling:
    the framed region is at least this share of the image's shorter side."""
    share = {STRETCH: 1.0, CELL_FIELD: FIELD_SHARE, CELL_CROP: MIN_SIDE}[rule]
    return math.ceil(size / share)


def load_image(path: str | Path, min_side: int | None = None) -> Image.Image:
    """Open `path` as RGB; raise ImageDecodeError naming the file if it is not a readable image.

    With `min_side`, a JPEG at least twice that on its shorter side is decoded at a reduced
    scale (libjpeg scales the DCT by 1/2, 1/4 or 1/8) that keeps its shorter side >= min_side:
    a fraction of the decoding work for a large photograph, and no detail the model would see.
    """
    try:
        with Image.open(path) as image:
            if min_side and image.format == "JPEG" and min(image.size) >= 2 * min_side:
                scale = min_side / min(image.size)
                image.draft(
                    "RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale))
                )
            image.load()
            return to_rgb(image)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise ImageDecodeError(f"{path}: not a readable image ({error})") from error


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB copy of `image`; transparency is composited onto white (PNG cut-outs)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit TIFFs: scale to 8 bit before converting, or Pillow clips them to white.
        array = np.asarray(image, dtype=np.float64)
        peak = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / peak)).astype(np.uint8))
    return image.convert("RGB")


def resize_to_array(image: Image.Image, size: int, rule: str = STRETCH) -> np.ndarray:
    """The image framed by `rule` at size x size; returns uint8 array (size, size, 3)."""
    if rule in CELL_FRAMINGS:
        frame, _ = CELL_FRAMINGS[rule]
        return frame(to_rgb(image), size)
    if rule != STRETCH:
        raise ValueError(f"unknown resize rule {rule!r}; known: {', '.join(RESIZE_RULES)}")
    resized = to_rgb(image).resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def framed_region(image: Image.Image, rule: str = STRETCH) -> Image.Image:
    """What the model sees of `image`, before resizing: explanations are drawn on this."""
    if rule in CELL_FRAMINGS:
        _, region = CELL_FRAMINGS[rule]
        return region(to_rgb(image))
    return image


def model_input(images: list[Image.Image], size: int, rule: str = STRETCH) -> np.ndarray:
    """Batch float32 (n, size, size, 3) in 0..255, ready for the Keras or TFLite model."""
    if not images:
        return np.zeros((0, size, size, 3), dtype=np.float32)
    return np.stack([resize_to_array(image, size, rule) for image in images]).astype(np.float32)
