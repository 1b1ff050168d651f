"""Adapting a bundle to a new lab: self-training on its unlabelled images (self_training.py),
a few cells labelled by its reviewers (few_shot.py), both driven by adapt.py."""
