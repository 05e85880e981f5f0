"""Thin edges over the library: the CLI (and later the HTTP API and dashboard)."""
