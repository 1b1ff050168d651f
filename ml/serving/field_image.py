"""A field of view as the detector sees it: decoded small, letterboxed into the model's input.

The detector takes a fixed-size input (320x240 for fields1). An image is scaled to fit inside it,
keeping its aspect ratio, placed at the top-left corner, and the rest is filled with the image's
mean colour (a flat background, unlike black, which looks like stain to a stain-trained model).
`Letterbox` remembers the scale, so boxes found in the input map back to the original pixels.

A JPEG file opened here (`open_field`) is decoded at a reduced size with Pillow's `draft()` (the
DCT is scaled by 1/2, 1/4 or 1/8 while decoding), which makes a 640x480 field cost about a
quarter of a full decode. An image the caller opened is never drafted: draft() changes the
image in place, and the caller may still need it whole (to crop its white cells).
Training (ml/training/fields/) uses the same functions, so training and serving frame alike.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageStat


@dataclass(frozen=True)
class Letterbox:
    """How an original image of `size` (w, h) sits in the model input: scaled by `scale`."""

    size: tuple[int, int]
    scale: float

    def to_original(self, boxes: np.ndarray) -> np.ndarray:
        """Boxes (n, 4) x0 y0 x1 y1 in input pixels -> original pixels, clipped to the image."""
        boxes = np.asarray(boxes, dtype=np.float64) / self.scale
        width, height = self.size
        return np.clip(boxes, 0, [width, height, width, height])


def decode_for_input(
    image: Image.Image, input_size: tuple[int, int], reduce: bool = False
) -> tuple[Image.Image, tuple]:
    """RGB image, with `reduce` decoded at a reduced size where the format allows (this changes
    `image`); returns it and the original size (w, h). `input_size` is (width, height)."""
    original_size = image.size
    if reduce and image.format == "JPEG":
        scale = min(input_size[0] / image.width, input_size[1] / image.height)
        image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
    return image.convert("RGB"), original_size


def letterbox(
    image: Image.Image, input_size: tuple[int, int], original_size: tuple[int, int] | None = None
) -> tuple[np.ndarray, Letterbox]:
    """(float32 array (h, w, 3) 0..255 for the model, Letterbox) for an RGB image."""
    original_size = original_size or image.size
    width, height = input_size
    scale = min(width / original_size[0], height / original_size[1])
    fitted = (
        max(1, min(width, round(original_size[0] * scale))),
        max(1, min(height, round(original_size[1] * scale))),
    )
    resized = image.resize(fitted, Image.Resampling.BILINEAR)
    canvas = np.empty((height, width, 3), dtype=np.float32)
    # Pillow's channel means: a tenth of numpy's time on an (n, 3) float array.
    canvas[:] = ImageStat.Stat(resized).mean
    canvas[: fitted[1], : fitted[0]] = np.asarray(resized, dtype=np.float32)
    return canvas, Letterbox(tuple(original_size), scale)


def field_input(image: Image.Image, input_size: tuple[int, int]) -> tuple[np.ndarray, Letterbox]:
    """Letterbox an opened image (left whole): the detector's preprocessing."""
    decoded, original_size = decode_for_input(image, input_size)
    return letterbox(decoded, input_size, original_size)


def open_field(path, input_size: tuple[int, int]) -> tuple[np.ndarray, Letterbox]:
    """Open an image file, decode it reduced and letterbox it: the fastest path from a file."""
    with Image.open(path) as image:
        decoded, original_size = decode_for_input(image, input_size, reduce=True)
        return letterbox(decoded, input_size, original_size)
