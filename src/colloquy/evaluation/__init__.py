"""Metrics, significance tests, plots and reports for colloquy's models."""
