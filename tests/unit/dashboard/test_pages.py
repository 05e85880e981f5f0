"""Every page with Streamlit's AppTest, on the demo store: content, filters, drill-downs."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository

TIMEOUT = 120


def _script(page: str) -> None:
    from colloquy.services.dashboard.entry import main

    main(page)


def _open(page: str, **query: str | list[str]) -> AppTest:
    at = AppTest.from_function(_script, args=(page,), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def home(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLLOQUY_HOME", str(demo_home))
    monkeypatch.delenv("COLLOQUY_DATABASE_URL", raising=False)
    return demo_home


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def _buttons(at: AppTest) -> list[str]:
    return [str(getattr(b, "label", "")) for b in at.get("download_button")]


def test_overview_shows_the_morning_numbers_and_the_alert_banner(home: Path) -> None:
    at = _open("overview", dataset="craigslist_bargain")
    labels = sorted(m.label for m in at.metric)
    assert labels == sorted(
        [
            "Conversations",
            "Resolution rate",
            "Escalation rate",
            "Customer sentiment",
            "Conversion rate",
            "First response (median)",
        ]
    )
    assert _metric(at, "Conversations") == "40"
    assert _metric(at, "Conversion rate").endswith("%")
    assert any("alert(s) firing: drift-share" in w.value for w in at.warning)
    assert "Download PDF report" in _buttons(at)
    assert at.query_params["dataset"] == "craigslist_bargain"


def test_brand_filter_from_the_link_and_from_the_sidebar(home: Path) -> None:
    at = _open("overview", dataset="twitter")
    everyone = int(_metric(at, "Conversations").replace(",", ""))
    brands = at.sidebar.multiselect(key="f_brand").options
    assert len(brands) > 1
    at.sidebar.multiselect(key="f_brand").select(brands[0]).run()
    assert not at.exception
    some = int(_metric(at, "Conversations").replace(",", ""))
    assert 0 < some < everyone
    assert at.query_params["brand"] == brands[0]
    linked = _open("overview", dataset="twitter", brand=brands[0])
    assert _metric(linked, "Conversations") == str(some)


def test_date_range_compares_with_the_previous_period(home: Path) -> None:
    at = _open("overview", dataset="twitter", **{"from": "2017-10-31", "to": "2017-10-31"})
    assert any("Change against 2017-10-30 to 2017-10-30" in c.value for c in at.caption)
    assert str(at.sidebar.date_input(key="f_from").value) == "2017-10-31"


def test_channel_source_and_intent_filters(home: Path) -> None:
    at = _open("sentiment", dataset="sgd")
    intents = at.sidebar.multiselect(key="f_intent").options
    assert intents
    at.sidebar.multiselect(key="f_intent").select(intents[0]).run()
    assert not at.exception
    assert at.query_params["intent"] == intents[0]
    for key in ("f_channel", "f_source"):
        box = at.sidebar.multiselect(key=key)
        box.select(box.options[0]).run()
        assert not at.exception
    assert at.query_params["channel"]
    assert at.query_params["source"]


def test_intents_page(home: Path) -> None:
    at = _open("intents", dataset="sgd")
    assert _metric(at, "Distinct intents") != "0"
    titles = [m.value for m in at.markdown]
    assert any("Top rising intents" in t for t in titles)
    assert any(t.startswith("**Examples of") for t in titles)
    at.toggle(key="intent_confusions").set_value(True).run()
    assert not at.exception
    assert any("No registered intent model" in i.value for i in at.info)


def test_flow_click_through_to_the_failing_turn(home: Path) -> None:
    at = _open("flow", dataset="sgd")
    assert any(m.value.startswith("**Dialogue flow") for m in at.markdown)
    step = at.selectbox(key="flow_step").value
    at.button(key="flow_to_failures").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Failure points"]
    assert at.selectbox(key="failure_step").value == step
    assert any(m.value.startswith(":red-background[failing turn") for m in at.markdown)
    assert any(m.value.startswith("**Transcript of") for m in at.markdown)


def test_failure_points_drill_down(home: Path) -> None:
    at = _open("failures", dataset="twitter")
    kinds = at.selectbox(key="failure_type").options
    at.selectbox(key="failure_type").select(kinds[-1]).run()
    assert not at.exception
    conversation = at.selectbox(key="failure_conversation").value
    assert any(f"**Transcript of {conversation}" in m.value.replace("\\", "") for m in at.markdown)


def test_sentiment_page(home: Path) -> None:
    at = _open("sentiment", dataset="twitter")
    titles = " ".join(m.value for m in at.markdown)
    assert "Sentiment per speaker" in titles
    assert "Sentiment per speaker over time" in titles
    assert "Customer sentiment by brand" in titles
    assert "Worst conversations" in titles


def test_conversion_page_without_a_model(home: Path) -> None:
    at = _open("conversion", dataset="craigslist_bargain")
    assert any(m.value == "**Conversion funnel**" for m in at.markdown)
    assert any("No conversion model is loaded" in i.value for i in at.info)
    assert "colloquy dashboard --conversion-model" in at.code[0].value


def test_models_page_with_an_empty_registry(home: Path) -> None:
    at = _open("models")
    assert any("No registered model yet" in i.value for i in at.info)
    assert any("No jobs yet" in i.value for i in at.info)


def test_monitoring_drift_and_acknowledge(home: Path) -> None:
    at = _open("monitoring")
    text = " ".join(m.value for m in at.markdown)
    assert "Drift per feature" in text
    assert "Share of drifted features" in text
    ack = [b for b in at.button if b.label == "Acknowledge"]
    assert ack
    ack[0].click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Acknowledge"]
    assert not any("firing" in w.value for w in at.warning)
    with Store.open(f"sqlite:///{home / 'colloquy.db'}") as store:
        repo = AlertRepository(store)
        (alert,) = repo.history()
        assert alert.acknowledged_by == "dashboard"
        repo._update(alert.id, acknowledged_at=None, acknowledged_by=None)


def test_agent_page(home: Path) -> None:
    at = _open("agent")
    assert _metric(at, "Sessions") == "3"
    assert "**Journey completion**" in [m.value for m in at.markdown]
    tables = [df.value for df in at.dataframe]
    tools = next(t for t in tables if "tool" in t.columns)
    assert "verify_customer_identity" in set(tools["tool"])
    checks = next(t for t in tables if "check" in t.columns)
    assert {"disclaimer", "grounding"} <= set(checks["check"])
    assert str(at.selectbox(key="agent_session").value).startswith("demo-")


def test_agent_page_without_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path))
    at = _open("agent")
    assert any("No agent session yet" in i.value for i in at.info)


def test_new_install_shows_the_ingest_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path))
    at = _open("overview")
    assert any("No conversations yet" in i.value for i in at.info)
    assert "colloquy data ingest twitter_support" in at.code[0].value
    assert "colloquy analyze twitter" in at.code[0].value


def test_unreachable_database_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path))
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    for page in ("overview", "monitoring"):
        at = _open(page)
        assert any("The store cannot be read" in e.value for e in at.error)
