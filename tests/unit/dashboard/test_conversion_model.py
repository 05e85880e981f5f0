"""The Conversion page with a real conversion model trained on the demo slice (slow: training)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from colloquy.services.cli.main import main

pytestmark = pytest.mark.slow


def _script(model: str) -> None:
    from colloquy.services.dashboard.config import DashboardConfig
    from colloquy.services.dashboard.entry import main

    main("conversion", DashboardConfig(conversion_model=model))


def test_scores_explanation_and_replay(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(demo_home))
    slice_dir = demo_home.parent / "work" / "craigslist_bargain"
    model = tmp_path / "conversion"
    args = ["train", "conversion", "--source", "craigslist_bargain", "--data", str(slice_dir)]
    assert main([*args, "--output", str(model)]) == 0
    assert model.is_dir()
    at = AppTest.from_function(_script, args=(str(model),), default_timeout=600)
    at.query_params["dataset"] = "craigslist_bargain"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [m.value for m in at.markdown]
    assert any(t.startswith("**Score distribution of") for t in titles)
    assert "**Block contributions**" in titles
    assert "**Turns that moved the score**" in titles
    probability = next(m.value for m in at.metric if m.label == "Probability of converting")
    assert str(probability).endswith("%")
    assert at.slider(key="replay_turn").value == at.slider(key="replay_turn").max
    at.slider(key="replay_turn").set_value(1).run()
    assert not at.exception
    assert any(m.value.startswith("After turn 1 ") for m in at.markdown)
