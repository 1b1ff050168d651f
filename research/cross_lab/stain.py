"""Stain augmentation and stain normalisation for stained smear images (numpy and scikit-image).

Two labs stain the same cell differently: their May-Grünwald-Giemsa (or Wright) batches, times and
scanners give other hues and intensities. Two ways to live with that:

- augmentation: jitter the stain while training, so that the model sees many stains (HED jitter,
  Tellez et al., 2018); `hed_jitter` is the numpy twin of the tf version in ml/training/augment.py;
- normalisation: map every image, in training and in serving, onto one reference stain, either by
  matching the mean and spread of each Lab channel (Reinhard et al., 2001) or by estimating the two
  stain vectors and rescaling the stain concentrations (Macenko et al., 2009); or drop the stain's
  colour altogether and keep only the luminance ("grey").

Images are uint8 RGB arrays (h, w, 3); every function returns a new uint8 array of the same shape.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from skimage.color import hed_from_rgb, lab2rgb, rgb2lab, rgb_from_hed

LIGHT_INTENSITY = 255.0  # the transmitted light: a white background pixel
MACENKO_OD_THRESHOLD = 0.15  # optical density below this is background
MACENKO_PERCENTILE = 1.0  # robust extremes of the stain angle (per cent)
MACENKO_MAX_PERCENTILE = 99.0


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- augmentation


def hed_jitter(
    image: np.ndarray, rng: np.random.Generator, scale: float = 0.05, shift: float = 0.03
) -> np.ndarray:
    """Scale each haematoxylin-eosin-DAB channel by U[1-scale, 1+scale], shift by U[-shift, shift].

    Like ml.augment.stain_jitter, in raw optical density (skimage's rgb2hed clips negative
    amounts, so its round trip is not exact).
    """
    density = -np.log(np.maximum(image.astype(np.float64) / 255.0, 1e-6))
    hed = density @ hed_from_rgb
    alpha = rng.uniform(1 - scale, 1 + scale, size=3)
    beta = rng.uniform(-shift, shift, size=3)
    return _to_uint8(np.exp(-((hed * alpha + beta) @ rgb_from_hed)) * 255.0)


def hed_jitter_batch(
    images: np.ndarray, seed: int = 0, scale: float = 0.05, shift: float = 0.03
) -> np.ndarray:
    """`hed_jitter` of every image of a (n, h, w, 3) batch, seeded."""
    rng = np.random.default_rng(seed)
    return np.stack([hed_jitter(image, rng, scale, shift) for image in images])


# ---------------------------------------------------------------- Reinhard (Lab statistics)


@dataclass(frozen=True)
class LabStatistics:
    """Per-channel mean and standard deviation in CIE Lab: a lab's reference stain."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def as_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std)}


def lab_statistics(images: np.ndarray) -> LabStatistics:
    """The average per-image Lab mean and standard deviation of a batch (n, h, w, 3)."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    per_image = [rgb2lab(image).reshape(-1, 3) for image in images]
    means = np.mean([lab.mean(axis=0) for lab in per_image], axis=0)
    stds = np.mean([lab.std(axis=0) for lab in per_image], axis=0)
    return LabStatistics(tuple(map(float, means)), tuple(map(float, stds)))


def reinhard_normalise(image: np.ndarray, target: LabStatistics) -> np.ndarray:
    """Give the image the Lab mean and spread of `target` (Reinhard colour transfer)."""
    lab = rgb2lab(image)
    flat = lab.reshape(-1, 3)
    mean, std = flat.mean(axis=0), flat.std(axis=0)
    # A flat channel (all one value) has no spread to rescale: keep it flat at the target mean.
    scale = np.divide(np.asarray(target.std), std, out=np.zeros(3), where=std > 1e-6)
    lab = (lab - mean) * scale + np.asarray(target.mean)
    with warnings.catch_warnings():
        # Lab values outside the sRGB gamut are clipped, which is what we want.
        warnings.filterwarnings("ignore", message=".*negative Z values.*")
        return _to_uint8(lab2rgb(lab) * 255.0)


# ---------------------------------------------------------------- Macenko (stain vectors)


@dataclass(frozen=True)
class StainReference:
    """Two stain vectors (rows, in optical density) and the 99th percentile of their amounts."""

    stain_matrix: np.ndarray  # (2, 3)
    max_concentrations: np.ndarray  # (2,)


def optical_density(image: np.ndarray) -> np.ndarray:
    return -np.log((image.astype(np.float64) + 1.0) / (LIGHT_INTENSITY + 1.0))


def macenko_stain_matrix(image: np.ndarray) -> np.ndarray:
    """The two stain vectors (2, 3) of an image: the extreme angles of its stained pixels' OD
    in the plane of the two main eigenvectors. Raises ValueError when too little is stained."""
    od = optical_density(image).reshape(-1, 3)
    od = od[np.all(od > MACENKO_OD_THRESHOLD, axis=1)]
    if len(od) < 10:
        raise ValueError("too few stained pixels to estimate stain vectors")
    _, eigenvectors = np.linalg.eigh(np.cov(od, rowvar=False))
    plane = eigenvectors[:, 1:3]  # the two largest eigenvalues come last
    projected = od @ plane
    angles = np.arctan2(projected[:, 1], projected[:, 0])
    low, high = np.percentile(angles, [MACENKO_PERCENTILE, 100 - MACENKO_PERCENTILE])
    vectors = [plane @ np.array([np.cos(a), np.sin(a)]) for a in (low, high)]
    vectors = [v if v[0] >= 0 else -v for v in vectors]
    # Order: the vector with more red absorption (haematoxylin-like, bluish) first.
    vectors.sort(key=lambda v: -v[0])
    matrix = np.array(vectors)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def stain_concentrations(image: np.ndarray, stain_matrix: np.ndarray) -> np.ndarray:
    """Least-squares amount of each stain per pixel, (h*w, 2)."""
    od = optical_density(image).reshape(-1, 3)
    concentrations, *_ = np.linalg.lstsq(stain_matrix.T, od.T, rcond=None)
    return concentrations.T


def macenko_reference(image: np.ndarray) -> StainReference:
    """The stain vectors and concentration scale of a reference image."""
    matrix = macenko_stain_matrix(image)
    concentrations = stain_concentrations(image, matrix)
    return StainReference(matrix, np.percentile(concentrations, MACENKO_MAX_PERCENTILE, axis=0))


def macenko_normalise(image: np.ndarray, reference: StainReference) -> np.ndarray:
    """Re-stain the image with the reference's stain vectors; unchanged if it has no stain."""
    try:
        matrix = macenko_stain_matrix(image)
    except ValueError:
        return image.copy()
    concentrations = stain_concentrations(image, matrix)
    peak = np.percentile(concentrations, MACENKO_MAX_PERCENTILE, axis=0)
    scale = np.divide(reference.max_concentrations, peak, out=np.ones(2), where=peak > 1e-6)
    od = (concentrations * scale) @ reference.stain_matrix
    rgb = (LIGHT_INTENSITY + 1.0) * np.exp(-od) - 1.0
    return _to_uint8(rgb.reshape(image.shape))


# ---------------------------------------------------------------- batches


def greyscale(image: np.ndarray) -> np.ndarray:
    """Luminance (ITU-R BT.601 weights) in all three channels: the same cell, without its hue."""
    luminance = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return _to_uint8(np.repeat(luminance[..., None], 3, axis=-1))


def normalise_batch(images: np.ndarray, method: str, reference_images: np.ndarray) -> np.ndarray:
    """Every image of a batch normalised to the stain of `reference_images` ("reinhard" or
    "macenko"; Macenko takes the first reference image as its reference), or "grey" (the
    reference is not used)."""
    if method == "grey":
        return np.stack([greyscale(image) for image in images])
    if method == "reinhard":
        target = lab_statistics(reference_images)
        return np.stack([reinhard_normalise(image, target) for image in images])
    if method == "macenko":
        reference = macenko_reference(reference_images[0])
        return np.stack([macenko_normalise(image, reference) for image in images])
    raise ValueError(f"unknown stain normalisation {method!r} (reinhard, macenko or grey)")
