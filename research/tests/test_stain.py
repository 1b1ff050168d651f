"""ml.stain (stain augmentation and normalisation) and the cross-lab options of ml.augment."""

from collections import Counter

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2lab

from research.cross_lab import stain
from research.tests.conftest import FIXTURE_IMAGES

PBC_IMAGE = FIXTURE_IMAGES / "neutrophil" / "pbc_BNE_100878.jpg"
KAGGLE_IMAGE = FIXTURE_IMAGES / "neutrophil" / "kaggle_0_1095.jpeg"


def _array(path, size=64):
    return np.asarray(Image.open(path).convert("RGB").resize((size, size)))


def test_hed_jitter_keeps_shape_and_type_and_changes_the_colours():
    image = _array(PBC_IMAGE)
    jittered = stain.hed_jitter(image, np.random.default_rng(0), scale=0.2, shift=0.05)
    assert jittered.shape == image.shape and jittered.dtype == np.uint8
    assert np.abs(jittered.astype(int) - image).mean() > 1.0


def test_hed_jitter_without_jitter_keeps_the_image():
    image = _array(PBC_IMAGE)
    same = stain.hed_jitter(image, np.random.default_rng(0), scale=0.0, shift=0.0)
    assert np.abs(same.astype(int) - image).max() <= 2


def test_hed_jitter_batch_is_seeded_and_keeps_the_order():
    images = np.stack([_array(PBC_IMAGE), _array(KAGGLE_IMAGE)])
    first = stain.hed_jitter_batch(images, seed=3, scale=0.2)
    assert np.array_equal(first, stain.hed_jitter_batch(images, seed=3, scale=0.2))
    assert first.shape == images.shape
    # Each output stays closest to its own input: the batch order (and so the labels) hold.
    distance = np.abs(first[:, None].astype(int) - images[None].astype(int)).mean(axis=(2, 3, 4))
    assert list(distance.argmin(axis=1)) == [0, 1]


def test_reinhard_gives_the_target_lab_statistics():
    target = stain.lab_statistics(_array(PBC_IMAGE)[None])
    normalised = stain.reinhard_normalise(_array(KAGGLE_IMAGE), target)
    assert normalised.shape == (64, 64, 3) and normalised.dtype == np.uint8
    lab = rgb2lab(normalised).reshape(-1, 3)
    assert np.allclose(lab.mean(axis=0), target.mean, atol=3.0)


def test_reinhard_keeps_a_flat_image_flat():
    flat = np.full((8, 8, 3), 200, dtype=np.uint8)
    target = stain.lab_statistics(_array(PBC_IMAGE)[None])
    normalised = stain.reinhard_normalise(flat, target)
    assert normalised.shape == flat.shape
    assert normalised.reshape(-1, 3).std(axis=0).max() < 1.0


def test_macenko_finds_two_unit_stain_vectors_and_normalises():
    reference = stain.macenko_reference(_array(PBC_IMAGE))
    assert reference.stain_matrix.shape == (2, 3)
    assert np.allclose(np.linalg.norm(reference.stain_matrix, axis=1), 1.0)
    normalised = stain.macenko_normalise(_array(KAGGLE_IMAGE), reference)
    assert normalised.shape == (64, 64, 3) and normalised.dtype == np.uint8


def test_macenko_leaves_an_unstained_image_alone():
    white = np.full((8, 8, 3), 255, dtype=np.uint8)
    reference = stain.macenko_reference(_array(PBC_IMAGE))
    assert np.array_equal(stain.macenko_normalise(white, reference), white)


def test_normalise_batch_keeps_shape_and_order():
    images = np.stack([_array(PBC_IMAGE), _array(KAGGLE_IMAGE)])
    for method in ("reinhard", "macenko", "grey"):
        assert stain.normalise_batch(images, method, images[:1]).shape == images.shape
    with pytest.raises(ValueError, match="reinhard, macenko or grey"):
        stain.normalise_batch(images, "magic", images)


# ---------------------------------------------------------------- ml.augment's cross-lab options


def test_zoom_and_jpeg_augmentation_keep_shape_and_range():
    pytest.importorskip("tensorflow")
    from ml.training.augment import AugmentConfig, augment_batch

    images = np.stack([_array(PBC_IMAGE, 32)] * 4)
    config = AugmentConfig(zoom=0.4, zoom_offset=0.15, jpeg_probability=1.0, jpeg_min_quality=50)
    augmented = augment_batch(images, config).numpy()
    assert augmented.shape == (4, 32, 32, 3) and augmented.dtype == np.float32
    assert augmented.min() >= 0.0 and augmented.max() <= 255.0


def test_the_cross_lab_options_keep_each_label_with_its_image():
    pytest.importorskip("tensorflow")
    from ml.training.augment import AugmentConfig
    from ml.training.stages import make_dataset

    labels = np.array([0, 1, 2, 3] * 5)
    images = np.zeros((20, 16, 16, 3), dtype=np.uint8)
    images[..., 0] = (labels * 60)[:, None, None]
    quiet_colour = {"brightness": 0, "contrast": 0, "saturation": 0, "hue": 0}
    config = AugmentConfig(
        min_crop=1.0, stain_scale=0, stain_shift=0, zoom=0.4, zoom_offset=0.15,
        jpeg_probability=1.0, **quiet_colour,
    )  # fmt: skip
    seen = Counter()
    for batch, batch_labels in make_dataset(images, labels, 8, config):
        red = batch.numpy()[..., 0].mean(axis=(1, 2))
        assert np.allclose(red, batch_labels.numpy() * 60, atol=4.0)
        seen.update(batch_labels.numpy().tolist())
    assert seen == Counter(labels.tolist())


def test_grey_normalisation_keeps_luminance_and_drops_hue():
    images = np.stack([_array(PBC_IMAGE), _array(KAGGLE_IMAGE)])
    grey = stain.normalise_batch(images, "grey", images[:0])
    assert grey.shape == images.shape and grey.dtype == np.uint8
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    # Pure red, green and blue keep their BT.601 luminance.
    primaries = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    assert stain.greyscale(primaries)[0, :, 0].tolist() == [76, 150, 29]
