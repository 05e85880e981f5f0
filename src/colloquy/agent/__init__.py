"""The customer-service agent runtime: journeys, guidelines, tools, validator, engine, audit.

Each concern is its own sub-package (``journeys``, ``guidelines``, ``tools``), a library the
engine and the channels call; the business domain the desk acts on lives in ``colloquy.desk``.
"""
