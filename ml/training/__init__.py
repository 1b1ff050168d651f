"""Everything that makes a bundle: data and splits, augmentation, the model and its two training
stages, calibration, metrics, TFLite export, the model card; also the library code of the
commands that rescore a bundle (evaluate, bench, selective, the choice of test-time views).

Start at train.py (`train(config)`), then stages.py (`train_head`, `fine_tune`) and
bundle_writer.py (what a bundle holds). Imports TensorFlow; the portal never imports it.
"""
