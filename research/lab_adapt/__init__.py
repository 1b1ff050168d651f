"""How far a lab's adapted model gets with 10 reviewed cells per class (research/lab_adapt/README.md)."""
