"""ml.training.augment: batch augmentation keeps shapes, value range and labels."""

from collections import Counter

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from ml.training.augment import (  # noqa: E402
    AugmentConfig,
    augment_batch,
    dihedral,
    random_blur,
    random_low_resolution,
)
from ml.training.stages import make_dataset  # noqa: E402


def _images(count=6, size=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(count, size, size, 3), dtype=np.uint8)


def test_it_keeps_shape_and_value_range():
    augmented = augment_batch(_images()).numpy()
    assert augmented.shape == (6, 32, 32, 3)
    assert augmented.dtype == np.float32
    assert augmented.min() >= 0.0 and augmented.max() <= 255.0


def test_it_changes_the_images():
    images = _images()
    assert not np.allclose(augment_batch(images).numpy(), images.astype(np.float32))


def test_dihedral_views_keep_the_pixels():
    images = tf.constant(_images().astype(np.float32))
    for _ in range(3):
        views = dihedral(images).numpy()
        for view, image in zip(views, images.numpy(), strict=True):
            assert np.array_equal(np.sort(view, axis=None), np.sort(image, axis=None))


def test_no_augmentation_config_gives_back_the_images():
    quiet = AugmentConfig(0.999999, 0, 0, 0, 0, 0, 0)
    images = np.full((2, 16, 16, 3), 128, dtype=np.uint8)
    assert np.allclose(augment_batch(images, quiet).numpy(), 128, atol=1.0)


def test_blur_softens_edges_and_keeps_flat_areas():
    images = np.zeros((8, 32, 32, 3), dtype=np.float32)
    images[:, :, 16:] = 1.0  # a sharp vertical edge
    blurred = random_blur(tf.constant(images), sigma=2.0).numpy()

    assert blurred.shape == images.shape
    assert np.allclose(blurred[:, :, :4], 0.0) and np.allclose(blurred[:, :, -4:], 1.0)
    steps = np.abs(np.diff(blurred, axis=2)).max(axis=(1, 2, 3))
    assert steps.min() < 1.0  # at least one image got a softer edge (shares are random)
    assert (steps <= 1.0 + 1e-6).all()


def test_low_resolution_loses_fine_detail_and_keeps_shape_and_flat_areas():
    fine = np.zeros((4, 32, 32, 3), dtype=np.float32)
    fine[:, ::2, :] = 1.0  # one-pixel stripes: gone at any scale under 1
    fine[:, :, :8] = 0.5  # a flat band stays flat
    images = tf.constant(fine)

    always = random_low_resolution(images, probability=1.0, min_scale=0.5).numpy()
    never = random_low_resolution(images, probability=0.0, min_scale=0.5).numpy()

    assert always.shape == images.shape and always.dtype == np.float32
    assert np.array_equal(never, fine)
    stripes = np.abs(np.diff(always[:, :, 12:], axis=1)).mean()
    assert stripes < 0.5 * np.abs(np.diff(fine[:, :, 12:], axis=1)).mean()
    assert np.allclose(always[:, 4:-4, 2:6], 0.5, atol=0.02)
    assert always.min() >= 0.0 and always.max() <= 1.0


def test_low_resolution_runs_in_a_graph_whose_image_size_is_unknown():
    # tf.data batches (ml/train.make_dataset) reach augment_batch without a static size.
    config = AugmentConfig(low_resolution_probability=1.0)
    graph = tf.function(
        lambda batch: augment_batch(batch, config),
        input_signature=[tf.TensorSpec((None, None, None, 3), tf.uint8)],
    )
    out = graph(np.full((2, 24, 24, 3), 90, dtype=np.uint8))
    assert out.shape == (2, 24, 24, 3)


def test_the_training_dataset_keeps_each_label_with_its_image():
    # Each image's colour encodes its label; augmentation must not mix them up.
    labels = np.array([0, 1, 2, 3] * 5)
    images = np.zeros((20, 16, 16, 3), dtype=np.uint8)
    images[..., 0] = (labels * 60)[:, None, None]
    dataset = make_dataset(
        images,
        labels,
        8,
        AugmentConfig(
            min_crop=1.0,
            brightness=0,
            contrast=0,
            saturation=0,
            hue=0,
            stain_scale=0,
            stain_shift=0,
        ),
    )
    seen = Counter()
    for batch, batch_labels in dataset:
        red = batch.numpy()[..., 0].mean(axis=(1, 2))
        assert np.allclose(red, batch_labels.numpy() * 60, atol=2.0)
        seen.update(batch_labels.numpy().tolist())
    assert seen == Counter(labels.tolist())
