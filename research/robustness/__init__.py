"""Does the top-1 label survive how an image was saved (JPEG quality, chroma, PNG, TIFF, size)?

    python -m research.robustness --model pbc8 --data ../shared/data --json

The table that justified the re-encoding augmentation and the consistency loss of the shipped
recipe (ml/training/reencode.py, ml/training/consistency.py); study.py measures it.
"""
