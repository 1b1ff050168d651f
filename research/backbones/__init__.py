"""Backbone comparison: why the shipped bundles use MobileNet alpha 0.25.

    python -m research.backbones --dataset pbc --backbones mobilenet_025,vit --epochs 3 \
        --image-size 96 --limit-per-class 200 --val-limit-per-class 100 --out runs/compare-pbc

compare.py trains and measures each backbone under one protocol, report.py writes the tables and
the plot, candidates.py registers the other backbones with ml.training (vit.py and
efficientnet_lite.py build two of them). EfficientNet-Lite0's ImageNet weights are converted once:

    python research/backbones/convert_efficientnet_lite.py
    python research/backbones/verify_efficientnet_lite.py
"""
