"""Checks of notebooks (filled in by its part of the series)."""
__all__ = []
