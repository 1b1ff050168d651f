"""Leave-one-lab-out ablation over PBC and Kaggle: why the shipped recipe crops to the cell,
jitters the stain and offers adaptation to a new lab.

    python -m research.cross_lab --out runs/crosslab --image-size 128 --epochs 4 \\
        --limit-per-class 400

study.py runs the rows, protocol.py defines them, data.py and models.py load and train,
stain.py holds the stain normalisations the study tried, report.py writes the table.
"""
