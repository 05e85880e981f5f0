"""Monitoring: reference snapshots and drift between a reference and current data."""
