"""Drift reports and monitoring of the prediction events, with alerts (`python -m monitoring --help`).

Reads the reference (training clients of the champion's feature version, its holdout scores and global
importance) and the API's prediction events; never imported by the API process (Evidently is heavy).
"""
