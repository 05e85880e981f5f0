"""Drift tests (one per module), the rules that turn their scores into verdicts."""
