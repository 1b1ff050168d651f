"""The backbone the shipped bundles use, MobileNet alpha 0.25, and a registry for others.

A backbone is a Keras model without its classification top that takes the *scaled* image;
its `scaling` turns the model input (float32 RGB 0..255) into what it expects, as plain Keras
layers so that model.keras loads without custom objects. The studies that compared other
backbones (research/backbones) add theirs with `register_backbone` before they train.

Weights: keras.applications downloads ImageNet weights into $KERAS_HOME/models (~/.keras/models).
This machine has no internet, so MobileNet alpha 0.25 is seeded into that cache from the project's
data (weights/mobilenet_2_5_224_tf_no_top.h5); `weights="imagenet"` then works offline and still
downloads as usual where the network is available. A backbone whose weights cannot be had trains
from scratch with a warning, and the bundle records "initialisation": "scratch".
"""

import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras

from ml.training import paths

DEFAULT_BACKBONE = "mobilenet_025"
OFFLINE_WEIGHTS = {"mobilenet_2_5_224_tf_no_top.h5": "mobilenet_2_5_224_tf_no_top.h5"}


@dataclass(frozen=True)
class Backbone:
    name: str
    build: Callable[[tuple[int, int, int], str | None], keras.Model]
    scaling: Callable[[], list[keras.layers.Layer]]  # model input 0..255 -> the backbone's range


def keras_cache_dir() -> Path:
    """Where keras.utils.get_file keeps downloaded application weights."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "models"


def seed_keras_cache(data_dir: Path | None = None) -> list[Path]:
    """Copy the project's offline ImageNet weight files into Keras' cache (once); return them."""
    seeded = []
    for cache_name, source_name in OFFLINE_WEIGHTS.items():
        source = paths.weights_dir(data_dir) / source_name
        target = keras_cache_dir() / cache_name
        if not target.is_file() and source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            shutil.copyfile(source, temporary)
            temporary.replace(target)
        if target.is_file():
            seeded.append(target)
    return seeded


def minus_one_one() -> list[keras.layers.Layer]:
    """0..255 -> -1..1, what MobileNet was trained on."""
    return [keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_minus_one_one")]


def mobilenet_025(input_shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    if weights == "imagenet" and input_shape[0] != 224:
        # Keras would fetch the weights trained at this resolution; only the 224 px file is at
        # hand offline. It is fully convolutional, so it loads at any size >= 32.
        cached = keras_cache_dir() / "mobilenet_2_5_224_tf_no_top.h5"
        if cached.is_file():
            weights = str(cached)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*input_shape.*")
        return keras.applications.MobileNet(
            input_shape=input_shape, alpha=0.25, include_top=False, weights=weights
        )


BACKBONES = {DEFAULT_BACKBONE: Backbone(DEFAULT_BACKBONE, mobilenet_025, minus_one_one)}


def register_backbone(backbone: Backbone) -> None:
    """Make `backbone` buildable by name (a study's candidates; training a bundle with one
    needs the study's code imported first)."""
    BACKBONES[backbone.name] = backbone


def get_backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}") from None


def build_backbone(name: str, input_shape: tuple[int, int, int]) -> tuple[keras.Model, str]:
    """(backbone model, "imagenet" | "scratch"); falls back to scratch with a warning."""
    backbone = get_backbone(name)
    seed_keras_cache()
    try:
        return backbone.build(input_shape, "imagenet"), "imagenet"
    except Exception as error:  # offline download failure, missing converted file, ...
        warnings.warn(
            f"backbone {name}: ImageNet weights unavailable ({error}); training from scratch",
            stacklevel=2,
        )
        return backbone.build(input_shape, None), "scratch"
