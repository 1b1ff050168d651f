"""Draw an explanation on the image: a Grad-CAM heatmap blended in, or LIME's best superpixels."""

import numpy as np
from matplotlib import colormaps
from PIL import Image
from skimage.segmentation import find_boundaries

OVERLAY_ALPHA = 0.5
LIME_TOP_SEGMENTS = 5


def render_overlay(
    image: Image.Image, heatmap: np.ndarray, alpha: float = OVERLAY_ALPHA
) -> Image.Image:
    """The image with the heatmap, stretched to its size, blended on top in the jet colour map.

    Blending is weighted by the heat, so cold regions keep the original colours.
    """
    base = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    heat = Image.fromarray(np.asarray(heatmap, dtype=np.float32))
    heat = np.clip(np.asarray(heat.resize(image.size, Image.Resampling.BILINEAR)), 0.0, 1.0)
    colour = colormaps["jet"](heat)[..., :3]
    weight = alpha * heat[..., np.newaxis]
    blended = base * (1.0 - weight) + colour * weight
    return Image.fromarray(np.round(blended * 255).astype(np.uint8))


def render_lime(
    image: Image.Image, segment_map: np.ndarray, weights: np.ndarray, top: int = LIME_TOP_SEGMENTS
) -> Image.Image:
    """The image with its `top` most positive superpixels bright and outlined, the rest dimmed."""
    positive = [int(s) for s in np.argsort(weights)[::-1][:top] if weights[s] > 0]
    segments = Image.fromarray(segment_map.astype(np.int32))
    segments = np.asarray(segments.resize(image.size, Image.Resampling.NEAREST))
    chosen = np.isin(segments, positive)
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = np.where(chosen[..., np.newaxis], base, base * 0.35 + 255 * 0.15)
    out[find_boundaries(np.where(chosen, segments, -1), mode="inner") & chosen] = (255, 220, 0)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
