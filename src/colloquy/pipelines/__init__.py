"""Orchestration: jobs that compose data, features, models and storage."""
