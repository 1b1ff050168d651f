"""The models of the cross-lab ablation (research/cross_lab/study.py): train, adapt, score, export.

Training reuses ml.training's two stages unchanged; `protocol` is a
research.cross_lab.protocol.Protocol. BatchNorm adaptation (AdaBN) re-estimates the backbone's
normalisation statistics on unlabelled images of the target lab and changes no learned weight.
"""

from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ml.training import data


def train_config(protocol, augment: dict):
    from ml.training.train_data import TrainConfig

    return TrainConfig(
        dataset="crosslab",
        backbone=protocol.backbone,
        out="",
        data="",
        image_size=protocol.image_size,
        epochs=protocol.head_epochs,
        fine_tune_epochs=protocol.epochs,
        batch_size=protocol.batch_size,
        patience=2,
        seed=protocol.seed,
        augment=dict(augment),
    )


def train_model(arrays: dict, augment: dict, protocol, num_classes: int):
    """A model trained with ml.training's two stages on {"train", "val"} arrays."""
    from ml.training.model import build_model
    from ml.training.stages import fit_stages, set_seeds

    set_seeds(protocol.seed)
    model, _ = build_model(protocol.backbone, num_classes, protocol.image_size)
    fit_stages(model, train_config(protocol, augment), arrays, num_classes)
    return model


def self_train_model(
    model, arrays: dict, target_images, target_probs, variant, protocol, num_classes: int
):
    """Self-train the model in place on pseudo-labels from `target_probs`
    (ml/adaptation/self_training.py); returns (indices, pseudo-labels, history)."""
    from ml.adaptation.self_training import self_train
    from ml.training.stages import set_seeds

    set_seeds(protocol.seed)
    config = train_config(protocol, variant.augment)
    share = variant.pseudo_share
    return self_train(model, arrays, target_images, target_probs, share, config, num_classes)


def fine_tune_model(model, arrays: dict, variant, protocol, num_classes: int) -> dict:
    """Run ml.training's fine-tuning stage again on `arrays` (the new lab's labelled cells among
    them); returns the training history."""
    from ml.training.stages import fit_stages, set_seeds

    set_seeds(protocol.seed)
    config = replace(train_config(protocol, variant.augment), epochs=0)
    return fit_stages(model, config, arrays, num_classes)


def export_bundle(model, source, protocol, labels: list[str], out: Path) -> Path:
    """Write the model as a regular bundle (ml/training/bundle_writer.py), e.g. for
    `python -m research.robustness`."""
    from ml.training.bundle_writer import write_training_bundle

    name = f"crosslab-{source.name}4"
    config = asdict(train_config(protocol, {}))
    config.update(name=name, dataset=source.name, out=str(out), labels=list(labels))
    splits = data.DatasetSplits(
        labels=list(labels),
        split_hash=protocol.key(),
        description=f"{source.name}, the 4 classes shared with the other lab (research/cross_lab)",
    )
    return write_training_bundle(
        out,
        model=model,
        config=config,
        splits=splits,
        arrays=source.arrays,
        logits={split: logits_of(model, source.arrays[split][0]) for split in data.SPLITS},
        history={},
        initialisation="imagenet",
        timing={},
    )


def adapt_batchnorm(model, images: np.ndarray, batch_size: int = 64):
    """A copy of the model whose backbone BatchNorm statistics are the mean over batches of
    `images` (AdaBN, Li et al., 2016): no labels, only the target lab's pictures."""
    import keras

    adapted = keras.models.clone_model(model)
    adapted.set_weights(model.get_weights())
    backbone = adapted.get_layer("backbone")
    scaling = []
    for layer in adapted.layers:
        if layer is backbone:
            break
        if not isinstance(layer, keras.layers.InputLayer):
            scaling.append(layer)
    norms = [
        layer for layer in backbone.layers if isinstance(layer, keras.layers.BatchNormalization)
    ]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.trainable = True  # a frozen BatchNormalization ignores training=True
    for index, start in enumerate(range(0, len(images), batch_size)):
        for layer in norms:
            layer.momentum = index / (index + 1)  # running mean of the batch statistics
        x = keras.ops.convert_to_tensor(images[start : start + batch_size].astype(np.float32))
        for layer in scaling:
            x = layer(x)
        backbone(x, training=True)
    for layer, momentum in zip(norms, momenta, strict=True):
        layer.momentum = momentum
        layer.trainable = False
    return adapted


def logits_of(model, images: np.ndarray) -> np.ndarray:
    from ml.training.model import predict_logits

    return predict_logits(model, images)
