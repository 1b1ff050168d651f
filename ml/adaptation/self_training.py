"""Class-balanced self-training on a lab's unlabelled images (Zou et al., 2018, "CBST").

A model trained in one lab labels another lab's pictures itself; the images it is surest of,
the same share of each predicted class so that a class it rarely predicts is not left out, join
the training images with those labels, and training goes on. No label of the new lab is read:
these are the images a lab uploads to the portal before anyone reviews them.
"""

import math
from dataclasses import replace

import numpy as np

from ml.training.calibration import softmax
from ml.training.model import predict_logits
from ml.training.stages import fit_stages


def select_pseudo_labels(probs: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices and predicted labels of the most confident `share` of each predicted class."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], got {share}")
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    kept = []
    for label in np.unique(predicted):
        members = np.flatnonzero(predicted == label)
        count = math.ceil(share * len(members))
        kept.append(members[np.argsort(-confidence[members], kind="stable")[:count]])
    indices = np.sort(np.concatenate(kept)) if kept else np.array([], dtype=np.int64)
    return indices, predicted[indices]


def mean_probabilities(voters: list[tuple]) -> np.ndarray:
    """The mean softmax of several (model, images) pairs: the same images, each framed the way
    its model expects; the probabilities that pseudo-labels are read from."""
    return np.mean([softmax(predict_logits(model, images)) for model, images in voters], axis=0)


def self_train(
    model,
    arrays: dict,
    target_images: np.ndarray,
    target_probs: np.ndarray,
    share: float,
    config,
    classes: int,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Fine-tune `model` on its training images plus pseudo-labels for `target_images`.

    `target_probs` are the class probabilities the pseudo-labels are read from: the model's own,
    or their mean with other models' (teachers that see the images framed another way).

    `arrays` holds the training lab's {"train", "val"} (images, targets); early stopping still
    watches the training lab's validation split. `config` is the TrainConfig of the first
    training; only its fine-tuning stage runs again. Returns the indices of the target images
    that were added, the labels they were given and the training history.
    """
    indices, labels = select_pseudo_labels(target_probs, share)
    train_images, train_targets = arrays["train"]
    combined = {
        "train": (
            np.concatenate([train_images, target_images[indices]]),
            np.concatenate([train_targets, labels.astype(train_targets.dtype)]),
        ),
        "val": arrays["val"],
    }
    history = fit_stages(model, replace(config, epochs=0), combined, classes)
    return indices, labels, history
