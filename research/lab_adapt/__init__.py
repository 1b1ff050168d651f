"""How far a lab's adapted model gets with 10 reviewed cells per class (README.md here)."""
