"""Progress of an adaptation as JSON lines, for whoever watches it (the portal's train worker).

    {"stage": "decode", "percent": 5}
    {"stage": "train", "epoch": 2, "epochs": 6, "percent": 40.0, "seconds_left": 95}
    {"stage": "done", "percent": 100}

Each line is written and flushed at once, so a reader that tails the file sees it immediately.
"""

import json
import math
import time
from pathlib import Path

import keras

# Shares of the whole run: decoding and the parent's scores first, then training, then scoring.
TRAIN_START, TRAIN_END = 10.0, 85.0


class ProgressFile:
    """Appends one JSON object per call to `path`; does nothing when `path` is None."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path else None

    def write(self, stage: str, percent: float, **fields) -> None:
        if self.path is None:
            return
        line = json.dumps({"stage": stage, "percent": round(percent, 1), **fields})
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class EpochProgress(keras.callbacks.Callback):
    """Writes the training stage's progress after every few batches and every epoch, with an
    estimate of the time left from the pace so far."""

    def __init__(self, progress: ProgressFile, epochs: int, every_batches: int = 5):
        super().__init__()
        self.progress, self.epochs, self.every_batches = progress, max(1, epochs), every_batches
        self.epoch, self.started = 0, time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if batch % self.every_batches == 0:
            steps = self.params.get("steps") or batch + 1
            self._write(self.epoch + min(1.0, (batch + 1) / steps))

    def on_epoch_end(self, epoch, logs=None):
        self._write(epoch + 1.0)

    def _write(self, epochs_done: float) -> None:
        share = min(1.0, epochs_done / self.epochs)
        elapsed = time.monotonic() - self.started
        seconds_left = elapsed * (1 - share) / share if share > 0 else None
        self.progress.write(
            "train",
            TRAIN_START + share * (TRAIN_END - TRAIN_START),
            epoch=max(1, min(self.epochs, math.ceil(epochs_done))),
            epochs=self.epochs,
            seconds_left=round(seconds_left) if seconds_left is not None else None,
        )
