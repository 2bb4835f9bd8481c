"""Helpers for the notebook series "Backprop, step by step"."""
