"""On-the-fly augmentation for microscope cell images, applied to whole batches in tf.data.

A stained smear has no "up": every flip and 90-degree rotation is a valid view of the same cell.
Scale changes are kept small because cell size tells classes apart (a lymphocyte is small, a
monocyte large). Colour jitter covers the lab-to-lab variation of the stain: brightness, contrast,
saturation, hue, and a jitter in haematoxylin-eosin-DAB (HED) optical-density space (Tellez et al.,
2018). Input and output are float32 RGB 0..255, as the model expects.
"""

from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf
from PIL import Image
from skimage.color import hed_from_rgb, rgb_from_hed

from ml.training import reencode


@dataclass(frozen=True)
class AugmentConfig:
    min_crop: float = 0.85  # side of the random square crop, as a fraction of the image
    brightness: float = 0.08  # additive, as a fraction of the 0..1 range
    contrast: float = 0.15  # multiplicative factor in [1 - c, 1 + c]
    saturation: float = 0.15
    hue: float = 0.03  # fraction of the hue circle
    stain_scale: float = 0.05  # HED channel factor in [1 - s, 1 + s]
    stain_shift: float = 0.03  # HED channel shift in [-s, s]
    # Cross-lab options (research/cross_lab/study.py), off by default:
    zoom: float = 0.0  # scale: magnification factor in [1/(1+z), 1+z], log-uniform, mirrored edges
    zoom_offset: float = 0.0  # and the cell moved off-centre by up to this share of the side
    jpeg_probability: float = 0.0  # share of images re-saved as JPEG (quality and chroma random)
    jpeg_min_quality: int = 50
    blur: float = 0.0  # Gaussian blur up to this sigma in pixels (a softer camera or focus)
    # Share of images shown as if captured at a lower resolution: shrunk to a random scale in
    # [low_resolution_min_scale, 1) and stretched back, as serving stretches a small upload.
    low_resolution_probability: float = 0.0
    low_resolution_min_scale: float = 0.4

    def __post_init__(self) -> None:
        for name in ("jpeg_probability", "low_resolution_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")
        if not 0.0 < self.low_resolution_min_scale <= 1.0:
            raise ValueError("low_resolution_min_scale must lie in (0, 1]")

    def as_dict(self) -> dict:
        return asdict(self)


def _per_image(batch: int, low: float, high: float) -> tf.Tensor:
    return tf.random.uniform((batch, 1, 1, 1), low, high)


def dihedral(images: tf.Tensor) -> tf.Tensor:
    """Random one of the 8 flips/90-degree rotations per image (square images only)."""
    batch = tf.shape(images)[0]
    transpose = tf.random.uniform((batch, 1, 1, 1)) < 0.5
    images = tf.where(transpose, tf.transpose(images, (0, 2, 1, 3)), images)
    flip_left_right = tf.random.uniform((batch, 1, 1, 1)) < 0.5
    images = tf.where(flip_left_right, tf.reverse(images, axis=[2]), images)
    flip_up_down = tf.random.uniform((batch, 1, 1, 1)) < 0.5
    return tf.where(flip_up_down, tf.reverse(images, axis=[1]), images)


def random_crop_resize(images: tf.Tensor, min_crop: float) -> tf.Tensor:
    """Square crop of side in [min_crop, 1] at a random place, resized back (bilinear)."""
    if min_crop >= 1.0:
        return images
    batch = tf.shape(images)[0]
    size = tf.shape(images)[1:3]
    side = tf.random.uniform((batch,), min_crop, 1.0)
    top = tf.random.uniform((batch,)) * (1.0 - side)
    left = tf.random.uniform((batch,)) * (1.0 - side)
    boxes = tf.stack([top, left, top + side, left + side], axis=1)
    return tf.image.crop_and_resize(images, boxes, tf.range(batch), size, method="bilinear")


def colour_jitter(images: tf.Tensor, config: AugmentConfig) -> tf.Tensor:
    """Brightness, contrast, saturation and hue, per image; works on 0..1 values."""
    batch = tf.shape(images)[0]
    images = images + _per_image(batch, -config.brightness, config.brightness)
    mean = tf.reduce_mean(images, axis=(1, 2, 3), keepdims=True)
    images = (images - mean) * _per_image(batch, 1 - config.contrast, 1 + config.contrast) + mean
    grey = tf.reduce_mean(images, axis=3, keepdims=True)
    saturation = _per_image(batch, 1 - config.saturation, 1 + config.saturation)
    images = tf.clip_by_value((images - grey) * saturation + grey, 0.0, 1.0)
    hsv = tf.image.rgb_to_hsv(images)
    hue_shift = tf.random.uniform((batch, 1, 1), -config.hue, config.hue)
    hue = tf.math.floormod(hsv[..., 0] + hue_shift, 1.0)
    return tf.image.hsv_to_rgb(tf.stack([hue, hsv[..., 1], hsv[..., 2]], axis=-1))


def stain_jitter(images: tf.Tensor, scale: float, shift: float) -> tf.Tensor:
    """Scale and shift each HED optical-density channel per image; works on 0..1 values."""
    batch = tf.shape(images)[0]
    to_hed = tf.constant(hed_from_rgb, tf.float32)
    to_rgb = tf.constant(rgb_from_hed, tf.float32)
    optical_density = -tf.math.log(tf.maximum(images, 1e-6))
    hed = tf.einsum("bhwc,cd->bhwd", optical_density, to_hed)
    alpha = tf.random.uniform((batch, 1, 1, 3), 1 - scale, 1 + scale)
    beta = tf.random.uniform((batch, 1, 1, 3), -shift, shift)
    optical_density = tf.einsum("bhwd,dc->bhwc", hed * alpha + beta, to_rgb)
    return tf.clip_by_value(tf.exp(-optical_density), 0.0, 1.0)


def random_zoom(images: tf.Tensor, zoom: float, offset: float) -> tf.Tensor:
    """Magnify or shrink each image by a random factor and shift it; mirrored edges fill in."""
    batch = tf.shape(images)[0]
    size = tf.shape(images)[1:3]
    pad = tf.shape(images)[1] // 2
    padded = tf.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
    log_zoom = tf.math.log(1.0 + zoom)
    factor = tf.exp(tf.random.uniform((batch,), -log_zoom, log_zoom))
    side = 0.5 / factor  # the original image spans half of the padded one
    centre = 0.5 + 0.5 * tf.random.uniform((batch, 2), -offset, offset)
    centre = tf.clip_by_value(centre, side[:, None] / 2, 1.0 - side[:, None] / 2)
    half = side[:, None] / 2
    boxes = tf.concat([centre - half, centre + half], axis=1)
    return tf.image.crop_and_resize(padded, boxes, tf.range(batch), size, method="bilinear")


def random_blur(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """Each image mixed with its Gaussian blur (sigma pixels) by a random share: from sharp
    to fully blurred, with one convolution per batch."""
    radius = max(1, int(np.ceil(2.5 * sigma)))
    offsets = np.arange(-radius, radius + 1, dtype=np.float32)
    kernel_1d = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel_1d /= kernel_1d.sum()
    channels = 3
    rows = tf.constant(np.tile(kernel_1d[:, None, None, None], (1, 1, channels, 1)))
    columns = tf.constant(np.tile(kernel_1d[None, :, None, None], (1, 1, channels, 1)))
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    blurred = tf.nn.depthwise_conv2d(padded, rows, [1, 1, 1, 1], "VALID")
    blurred = tf.nn.depthwise_conv2d(blurred, columns, [1, 1, 1, 1], "VALID")
    share = _per_image(tf.shape(images)[0], 0.0, 1.0)
    return images + share * (blurred - images)


def random_low_resolution(images: tf.Tensor, probability: float, min_scale: float) -> tf.Tensor:
    """A share of the batch shrunk (Lanczos, antialiased) to one random scale and stretched back
    (bilinear): the detail a smaller camera image lacks, at the model's input size."""
    size = tf.shape(images)[1:3]
    scale = tf.random.uniform((), min_scale, 1.0)
    small = tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * scale), tf.int32), 1)
    shrunk = tf.image.resize(images, small, method="lanczos3", antialias=True)
    degraded = tf.clip_by_value(tf.image.resize(shrunk, size, method="bilinear"), 0.0, 1.0)
    chosen = tf.random.uniform((tf.shape(images)[0], 1, 1, 1)) < probability
    return tf.ensure_shape(tf.where(chosen, degraded, images), images.shape)


def _jpeg_resave(images: np.ndarray, probability: float, min_quality: int) -> np.ndarray:
    """Re-save a share of a uint8 batch as JPEG at a random quality, 4:2:0 or 4:4:4 chroma."""
    out = images.copy()
    rng = np.random.default_rng()
    for index in np.flatnonzero(rng.random(len(images)) < probability):
        out[index] = np.asarray(
            reencode.random_jpeg(Image.fromarray(images[index]), rng, min_quality, 95)
        )
    return out


def random_jpeg(images: tf.Tensor, probability: float, min_quality: int) -> tf.Tensor:
    """JPEG re-encoding of a share of the batch (0..1 floats in and out), through Pillow."""
    as_uint8 = tf.cast(tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0), tf.uint8)
    resaved = tf.numpy_function(
        lambda batch: _jpeg_resave(batch, probability, min_quality), [as_uint8], tf.uint8
    )
    resaved.set_shape(images.shape)
    return tf.cast(resaved, tf.float32) / 255.0


def augment_batch(images: tf.Tensor, config: AugmentConfig = AugmentConfig()) -> tf.Tensor:
    """Augmented copy of a batch (n, s, s, 3) of uint8 or float 0..255; returns float32 0..255."""
    images = tf.cast(images, tf.float32) / 255.0
    images = dihedral(images)
    images = random_crop_resize(images, config.min_crop)
    if config.zoom > 0:
        images = random_zoom(images, config.zoom, config.zoom_offset)
    images = colour_jitter(images, config)
    images = stain_jitter(images, config.stain_scale, config.stain_shift)
    if config.blur > 0:
        images = random_blur(images, config.blur)
    if config.low_resolution_probability > 0:
        images = random_low_resolution(
            images, config.low_resolution_probability, config.low_resolution_min_scale
        )
    if config.jpeg_probability > 0:
        images = random_jpeg(images, config.jpeg_probability, config.jpeg_min_quality)
    return tf.clip_by_value(images * 255.0, 0.0, 255.0)
