"""HematoVision machine learning (no Django, no network), one package per job.

serving/     what the portal loads: bundle.json, image preprocessing, the LiteRT classifier
explain/     Grad-CAM and LIME for one image (TensorFlow; the portal's explain queue only)
training/    everything that makes a bundle: data, model, two training stages, calibration, export
adaptation/  adapting a bundle to a new lab
cli/         `python -m ml <command>`, one module per command

Each package may import only those listed above it (import-linter checks it); the studies behind
the recipe live in research/, which ml never imports.
"""
