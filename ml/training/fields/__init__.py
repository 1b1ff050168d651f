"""Training the cell detector (fields bundles): whole smear fields with WBC, RBC and platelet boxes.

data      YOLO labels and images of the shared fields, the committed split ml/splits/fields.csv
targets   augmentation of a field and its boxes; CenterNet heatmap, size and offset targets
model     build_detector(backbone, input_size): MobileNet features, a small FPN, heatmap heads
stages    the loss and the two training stages, with progress per epoch
train     train_detector(out_dir, config): load, train both stages, save model.keras
metrics   centre-in-box matching, count error, VOC AP@0.5 (no TensorFlow)
evaluate  a detector's figures on labelled fields; score thresholds chosen on validation
bundle    export to TFLite, thresholds, metrics.json; with plots (curves, a field's boxes) and
report    (MODEL_CARD.md)
"""
