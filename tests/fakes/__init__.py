"""Fakes for the few services that cannot run in a test: each module says what it fakes.

Everything else in the suite uses the real thing (SQLite, PostgreSQL, the MiniLM model,
uvicorn); a fake is only allowed where the real service is hosted and paid for.
"""
