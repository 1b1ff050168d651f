"""A small Vision Transformer backbone in plain Keras layers, trained from scratch.

Patch embedding (a strided convolution), a position encoding, a few pre-norm transformer blocks
(multi-head self-attention and a GELU MLP), and a final LayerNorm. The tokens come back as a
(height, width, channels) grid, so the classifier's GlobalAveragePooling2D head and Grad-CAM treat
it like any convolutional backbone.

The position encoding is CPVT's "position encoding generator" (Chu et al., 2021): a 3x3 depthwise
convolution over the token grid, added to the tokens. Unlike a learned position table it needs no
custom layer (model.keras loads without custom objects) and works at any input size.

No ImageNet weights exist for this network, so the backbone registry trains it from scratch.
Sizes follow ViT-Tiny (width 192, 3 heads) with fewer blocks and a narrower MLP, to fit a CPU.
"""

import keras
from keras import layers

PATCH_SIZE = 8
WIDTH = 192
DEPTH = 6
HEADS = 3
MLP_RATIO = 2
DROPOUT = 0.0
LAYER_NORM_EPSILON = 1e-6


class NoPretrainedWeightsError(ValueError):
    """Asked for ImageNet weights that this backbone does not have."""


def build_vit(
    input_shape: tuple[int, int, int] = (96, 96, 3),
    weights: str | None = None,
    patch_size: int = PATCH_SIZE,
    width: int = WIDTH,
    depth: int = DEPTH,
    heads: int = HEADS,
) -> keras.Model:
    """ViT on a scaled image ([-1, 1]); outputs the token grid (h/patch, w/patch, width)."""
    if weights is not None:
        raise NoPretrainedWeightsError(f"the ViT has no pretrained weights ({weights!r})")
    height, image_width = input_shape[0], input_shape[1]
    if height % patch_size or image_width % patch_size:
        raise ValueError(f"input {height}x{image_width} is not a multiple of patch {patch_size}")
    grid = (height // patch_size, image_width // patch_size)
    inputs = keras.Input(shape=input_shape, name="scaled_image")
    x = layers.Conv2D(width, patch_size, strides=patch_size, name="patch_embedding")(inputs)
    position = layers.DepthwiseConv2D(3, padding="same", name="position_encoding")(x)
    x = layers.Add(name="add_position")([x, position])
    x = layers.Reshape((grid[0] * grid[1], width), name="tokens")(x)
    for index in range(depth):
        x = transformer_block(x, width, heads, name=f"block{index + 1}")
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name="final_norm")(x)
    outputs = layers.Reshape((*grid, width), name="token_grid")(x)
    return keras.Model(inputs, outputs, name="vit")


def transformer_block(tokens, width: int, heads: int, name: str):
    """Pre-norm block: tokens + attention(norm(tokens)), then + mlp(norm(...))."""
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name=f"{name}_norm1")(tokens)
    x = layers.MultiHeadAttention(heads, width // heads, dropout=DROPOUT, name=f"{name}_attention")(
        x, x
    )
    tokens = layers.Add(name=f"{name}_add1")([tokens, x])
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name=f"{name}_norm2")(tokens)
    x = layers.Dense(width * MLP_RATIO, activation="gelu", name=f"{name}_mlp1")(x)
    x = layers.Dense(width, name=f"{name}_mlp2")(x)
    return layers.Add(name=f"{name}_add2")([tokens, x])
