"""Check the Keras EfficientNet-Lite0 against the PyTorch reference, image for image (dev tool).

Needs torch and the reference implementation, which the product never installs:

    pip install torch==2.13.0 efficientnet_lite_pytorch==0.1.0
    python research/backbones/verify_efficientnet_lite.py --images 16 --random 8 \\
        --size 224 --size 192

Both models get the same float32 RGB 0..255 arrays: Keras scales them inside the model, the
reference gets (x - 127) / 128 in NCHW. It prints, per input size, the max abs difference of the
1280 pooled features and of the 1000 ImageNet logits, and the top-1 agreement; it exits non-zero
when the features differ by more than --tolerance or a top-1 class differs.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "research" / "backbones"))

from convert_efficientnet_lite import (  # noqa: E402
    find_package_pth,
    imagenet_head_weights,
    read_state_dict,
)

from research.backbones.efficientnet_lite import (  # noqa: E402
    INPUT_MEAN,
    INPUT_STD,
    build_efficientnet_lite0,
    imagenet_weights_path,
)

DEFAULT_IMAGES_DIR = REPO_ROOT.parent / "shared" / "data" / "pbc" / "images"


def load_images(images_dir: Path, count: int, size: int) -> np.ndarray:
    """`count` real images, one class folder after another, resized to size x size."""
    files_per_class = [sorted(folder.glob("*.jpg")) for folder in sorted(images_dir.iterdir())]
    chosen = [
        files_per_class[index % len(files_per_class)][index // len(files_per_class)]
        for index in range(count)
    ]
    arrays = [
        np.asarray(Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR))
        for path in chosen
    ]
    return np.stack(arrays).astype(np.float32)


def random_inputs(count: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (count, size, size, 3)).astype(np.float32)


def keras_outputs(weights: Path, head: list[np.ndarray], images: np.ndarray):
    """Pooled features and ImageNet logits of the converted backbone plus a converted `_fc`."""
    import keras

    backbone = build_efficientnet_lite0(input_shape=images.shape[1:], weights=str(weights))
    predictions = keras.layers.Dense(1000, name="predictions")
    classifier = keras.Model(backbone.input, [backbone.output, predictions(backbone.output)])
    predictions.set_weights(head)
    features, logits = classifier.predict(images, batch_size=8, verbose=0)
    return features, logits


def torch_outputs(pth: Path, images: np.ndarray):
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    size = images.shape[1]
    model = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=str(pth), image_size=size
    )
    model.eval()
    inputs = torch.from_numpy((images - INPUT_MEAN) / INPUT_STD).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        feature_map = model.extract_features(inputs)
        features = feature_map.mean(dim=(2, 3))
        logits = model._fc(features)
    return features.numpy(), logits.numpy()


def compare(name: str, keras_result, torch_result, tolerance: float) -> bool:
    """Print the differences; True when features agree within `tolerance` and top-1 fully."""
    keras_features, keras_logits = keras_result
    torch_features, torch_logits = torch_result
    feature_diff = np.abs(keras_features - torch_features).max()
    logit_diff = np.abs(keras_logits - torch_logits).max()
    agreement = (keras_logits.argmax(1) == torch_logits.argmax(1)).mean()
    print(
        f"{name}: n={len(keras_features)} features max|diff|={feature_diff:.2e} "
        f"(max|feature|={np.abs(torch_features).max():.2f}) logits max|diff|={logit_diff:.2e} "
        f"top-1 agreement={agreement:.3f}"
    )
    return bool(feature_diff <= tolerance and agreement == 1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pth", type=Path, help="default: from the installed package")
    parser.add_argument("--weights", type=Path, default=imagenet_weights_path())
    parser.add_argument("--images-dir", type=Path, default=DEFAULT_IMAGES_DIR)
    parser.add_argument("--images", type=int, default=16, help="real images per size")
    parser.add_argument("--random", type=int, default=8, help="uniform-noise inputs per size")
    parser.add_argument("--size", type=int, action="append", help="input size (repeatable)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max feature |diff|")
    args = parser.parse_args(argv)
    pth = args.pth or find_package_pth()
    head = imagenet_head_weights(read_state_dict(pth))
    agreed = True
    for size in args.size or [224]:
        for name, inputs in (
            (f"{size}px PBC images", load_images(args.images_dir, args.images, size)),
            (f"{size}px random inputs", random_inputs(args.random, size)),
        ):
            if len(inputs):
                keras_result = keras_outputs(args.weights, head, inputs)
                torch_result = torch_outputs(pth, inputs)
                agreed &= compare(name, keras_result, torch_result, args.tolerance)
    if not agreed:
        sys.exit(f"Keras and PyTorch disagree by more than {args.tolerance} (or on top-1)")


if __name__ == "__main__":
    main()
