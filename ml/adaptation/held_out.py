"""The report an adaptation writes before anyone uses its result: the parent and the adapted
model on the lab's held-out cells (never trained on) and on a sample of the parent's own test
split. A lab admin reads it before making the adapted model the lab's.

The adaptation is refused (`accepted: false`) when accuracy on the original test split drops by
more than MAX_TEST_DROP: a lab's gain must not cost the cells the model was built on.
"""

import numpy as np

from ml.training.metrics import classification_metrics
from ml.training.model import predict_logits

MAX_TEST_DROP = 0.01  # one point of accuracy on the original test split


def scores(model, images: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict:
    """Accuracy, per-class recall and confusion matrix of `model` on (images, targets)."""
    if not len(images):
        return {"accuracy": None, "recall": {}, "confusion_matrix": [], "cells": 0}
    predicted = np.argmax(predict_logits(model, images), axis=1)
    figures = classification_metrics(
        [labels[i] for i in targets], [labels[i] for i in predicted], labels
    )
    return {
        "accuracy": figures["accuracy"],
        "recall": {label: row["recall"] for label, row in figures["per_class"].items()},
        "support": {label: row["support"] for label, row in figures["per_class"].items()},
        "confusion_matrix": figures["confusion_matrix"],
        "cells": int(len(targets)),
    }


def verdict(before_test: dict, after_test: dict, max_drop: float = MAX_TEST_DROP) -> dict:
    """Whether the adapted model keeps its accuracy on the original test split."""
    drop = (before_test["accuracy"] or 0.0) - (after_test["accuracy"] or 0.0)
    accepted = drop <= max_drop + 1e-9
    reason = (
        ""
        if accepted
        else (
            f"accuracy on the original test split dropped by {drop * 100:.1f} points "
            f"(at most {max_drop * 100:.0f} allowed)"
        )
    )
    return {"accepted": accepted, "test_drop": round(drop, 4), "reason": reason}
