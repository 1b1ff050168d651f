"""HematoVision machine learning: training, export, serving and evaluation (no Django)."""
