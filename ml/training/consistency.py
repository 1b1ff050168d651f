"""Consistency training: the same cell, re-saved or resized, should get the same label.

Each training batch holds every augmented image twice, as it is and as an upload might have
re-encoded it (`ml.reencode.random_reencoding`: JPEG quality 50-100 with either chroma, or a
resize, by default by 0.5-2x, then framed to the model's size as serving does). The loss adds,
to the cross-entropy of both copies, the Jensen-Shannon divergence between their predicted
distributions, as AugMix does (Hendrycks et al., 2020, weight 12). Augmentation alone teaches
each copy its label; the divergence also pulls borderline cells' two predictions together,
which is what keeps a top-1 label from flipping when a lab saves the image another way.

Batches are laid out as [images, re-encoded copies] along the first axis, labels likewise, so
the loss can find each pair; validation batches are paired with themselves (divergence 0).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from PIL import Image

from ml.serving.preprocess import resize_to_array
from ml.training.reencode import RESIZE_RANGE, random_reencoding

AUGMIX_WEIGHT = 12.0


def reencoded_copies(
    images: np.ndarray, scales: tuple[float, float] = RESIZE_RANGE, seed: int | None = None
) -> np.ndarray:
    """A uint8 batch (n, s, s, 3), each image re-encoded once (resizes by a factor in `scales`)
    and framed back to s x s."""
    rng = np.random.default_rng(seed)
    size = images.shape[1]
    return np.stack(
        [
            resize_to_array(random_reencoding(Image.fromarray(image), rng, scales), size)
            for image in images
        ]
    )


def paired_batch(
    images: tf.Tensor, labels: tf.Tensor, scales: tuple[float, float] = RESIZE_RANGE
) -> tuple[tf.Tensor, tf.Tensor]:
    """(images + their re-encoded copies, labels twice) for float 0..255 images."""
    as_uint8 = tf.cast(tf.round(tf.clip_by_value(images, 0.0, 255.0)), tf.uint8)
    copies = tf.numpy_function(lambda batch: reencoded_copies(batch, scales), [as_uint8], tf.uint8)
    copies = tf.ensure_shape(tf.cast(copies, tf.float32), images.shape)
    return tf.concat([images, copies], axis=0), tf.concat([labels, labels], axis=0)


def self_paired_batch(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Validation: each image paired with itself, so the loss there is the plain cross-entropy."""
    return tf.concat([images, images], axis=0), tf.concat([labels, labels], axis=0)


def paired_loss(weight: float = AUGMIX_WEIGHT):
    """Keras loss over paired batches of logits: per-sample cross-entropy plus `weight` times
    the Jensen-Shannon divergence of the sample's pair (so class weights still apply)."""

    def loss(y_true, logits):
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        cross_entropy = keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True
        )
        first, second = ops.split(ops.softmax(logits, axis=-1), 2, axis=0)
        middle = ops.clip((first + second) / 2.0, 1e-7, 1.0)

        def divergence(p):
            return ops.sum(p * (ops.log(ops.clip(p, 1e-7, 1.0)) - ops.log(middle)), axis=-1)

        jensen_shannon = (divergence(first) + divergence(second)) / 2.0
        return cross_entropy + weight * ops.concatenate([jensen_shannon, jensen_shannon])

    loss.__name__ = "paired_consistency"
    return loss
