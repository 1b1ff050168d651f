"""Training the cell detector (fields bundles): whole smear fields with WBC, RBC and platelet boxes.

data      YOLO labels and images of the shared fields, the committed split ml/splits/fields.csv
targets   augmentation of a field and its boxes; CenterNet heatmap, size and offset targets
model     build_detector(backbone, input_size): MobileNet features, a small FPN, heatmap heads
stages    the two training stages and the loss
metrics   centre-in-box matching, counts, AP@0.5
bundle    export to TFLite, metrics.json, model card, curves and a picture of boxes
"""
