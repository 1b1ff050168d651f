"""Temperature scaling and the "unidentified" confidence threshold, both fitted on validation.

Temperature scaling (Guo et al., 2017) divides the logits by one scalar T > 0 chosen to minimise
the negative log-likelihood; it changes confidences, never the predicted class.
The threshold is the lowest calibrated confidence at which the predictions kept on validation
reach TARGET_PRECISION (or the best reachable below MAX_THRESHOLD); a prediction below it is shown
as "unidentified" and left for the reviewer.
"""

import numpy as np
from scipy.optimize import minimize_scalar

TARGET_PRECISION = 0.99
MIN_THRESHOLD = 0.5  # below 0.5 another class may be as likely as the one shown
MAX_THRESHOLD = 0.95


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, y_true: np.ndarray, temperature: float) -> float:
    probs = softmax(logits, temperature)
    picked = probs[np.arange(len(y_true)), np.asarray(y_true)]
    return float(-np.mean(np.log(np.maximum(picked, 1e-12))))


def fit_temperature(logits: np.ndarray, y_true: np.ndarray) -> float:
    """The T in [0.05, 20] that minimises the NLL of softmax(logits / T) on these labels."""
    if len(y_true) == 0:
        return 1.0
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, y_true, float(np.exp(log_t))),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def selective_scores(probs: np.ndarray, y_true: np.ndarray, threshold: float) -> dict:
    """Coverage (share kept) and accuracy of the kept predictions at `threshold`."""
    confidence = probs.max(axis=1)
    kept = confidence >= threshold
    correct = probs.argmax(axis=1) == np.asarray(y_true)
    return {
        "threshold": float(threshold),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "selective_accuracy": float(correct[kept].mean()) if kept.any() else 0.0,
    }


def choose_threshold(probs: np.ndarray, y_true: np.ndarray) -> float:
    """Lowest threshold in [MIN_THRESHOLD, MAX_THRESHOLD] whose kept predictions reach
    TARGET_PRECISION on these (validation) data; MAX_THRESHOLD if none does."""
    for threshold in np.round(np.arange(MIN_THRESHOLD, MAX_THRESHOLD + 1e-9, 0.01), 2):
        scores = selective_scores(probs, y_true, threshold)
        if scores["coverage"] > 0 and scores["selective_accuracy"] >= TARGET_PRECISION:
            return float(threshold)
    return MAX_THRESHOLD
