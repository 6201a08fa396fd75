"""Calibration: the published targets, how runs are measured against them, and the fitting."""
