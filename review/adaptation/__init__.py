"""A lab adapts its model to its own reviewed cells, from the "Model for this lab" page.

cells.py (which reviewed cells a lab has, the held-out split, the exported tree), jobs.py (start,
cancel, activate, discard, roll back), runner.py (the train worker's subprocess running
`python -m ml adapt`), views.py and api.py (the page and the API). review/charts.py draws the
report's held-out confusion matrix.
"""
