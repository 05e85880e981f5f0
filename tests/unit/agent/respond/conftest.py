"""The shipped journeys, guidelines and templates, loaded once per session."""

from __future__ import annotations

import pytest
from tests.unit.agent.respond.contexts import Desk, load_desk

from colloquy.agent.respond import TemplateResponder


@pytest.fixture(scope="session")
def desk() -> Desk:
    return load_desk()


@pytest.fixture(scope="session")
def responder() -> TemplateResponder:
    return TemplateResponder()
