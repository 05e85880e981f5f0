"""The analytics report from real engine records over small hand-built conversations:
escaping of user text, "unavailable" for missing time metrics, exact formatting, the
figures' JSON, and an atomic, offline HTML file."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import plotly.io as pio  # type: ignore[import-untyped]
from rich.console import Console

from colloquy.analytics.analysis import analyze_conversation, analyze_dataset
from colloquy.analytics.dynamics import HistogramBin
from colloquy.analytics.flow import END, START, FlowEdge
from colloquy.analytics.outcomes import ConversationFilter, wilson_rate
from colloquy.analytics.report import (
    FIGURE_CLASS,
    UNAVAILABLE,
    build_report,
    describe_filter,
    print_report,
    render_page,
    write_html,
)
from colloquy.analytics.report.charts import MAX_SANKEY_LINKS, bin_label, sankey_chart
from colloquy.analytics.report.tables import rate_text, seconds_text
from colloquy.schema import Conversation, Turn

DAY = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
HOSTILE = "</script><img src=x onerror=alert(1)>"
FIGURE = re.compile(
    rf'<script type="application/json" class="{FIGURE_CLASS}" data-target="([^"]+)">(.*?)</script>',
    re.DOTALL,
)


def _conversation(
    name: str,
    script: Sequence[tuple[str, str]],
    *,
    start: datetime | None = None,
    intent: str | None = None,
    brand: str | None = None,
) -> Conversation:
    """Turns a minute apart from ``start`` (untimed when ``start`` is None)."""
    turns = tuple(
        Turn(
            index=i,
            speaker=who,
            text=text,
            speaker_id=brand if who == "agent" else None,
            timestamp=None if start is None else start + timedelta(minutes=i),
        )
        for i, (who, text) in enumerate(script)
    )
    return Conversation(
        id=name,
        source="test",
        channel="chat",
        turns=turns,
        labels={"intent": intent} if intent else {},
        metadata={"brand": brand} if brand else {},
        started_at=start,
    )


HAPPY = [
    ("customer", "Hi, my parcel has not arrived yet."),
    ("agent", "Sorry to hear that! Let me check the tracking for you."),
    ("customer", "Thank you, that is great."),
    ("agent", "It arrives tomorrow. Anything else I can help with?"),
    ("customer", "No, all good. Thanks a lot!"),
]
ANGRY = [
    ("customer", HOSTILE + " this is useless, I want to speak to a human"),
    ("agent", "I am sorry, I cannot help with that."),
    ("customer", "This is terrible, awful service."),
]


def test_untimed_dataset_reports_time_metrics_as_unavailable() -> None:
    analysis = analyze_dataset(
        [_conversation("a", HAPPY, intent="delivery"), _conversation("b", ANGRY)], dataset="d"
    )
    report = build_report(analysis)
    tables = {t.id: t for s in report.sections for t in s.tables}
    rows = {row[0]: row for row in tables["dynamics"].rows}
    assert rows["response time (per reply)"][1:3] == ("0", UNAVAILABLE)
    assert rows["handle time"][2] == UNAVAILABLE
    assert rows["longest monologue (words)"][1] == "2"
    assert [s.id for s in report.sections] == [
        "section-outcomes",
        "section-failures",
        "section-sentiment",
        "section-dynamics",
        "section-intents",
        "section-flow",
    ]
    charts = {c.id for s in report.sections for c in s.charts}
    assert "response-times" not in charts, "no replies were timed: no histogram"
    assert "outcome-rates" in charts


def test_user_text_is_escaped_in_tables_and_figures(tmp_path: Path) -> None:
    conversations = [
        _conversation("a", HAPPY, start=DAY, intent="<b>bold</b>", brand="Acme"),
        _conversation("b", ANGRY, start=DAY + timedelta(days=1), intent=HOSTILE, brand="Acme"),
    ]
    page = render_page(build_report(analyze_dataset(conversations, dataset="x")))
    assert "<img src=x" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page, "the escalation example is shown"
    figures = dict(FIGURE.findall(page))
    assert {"outcome-rates", "intents", "response-times", "sentiment-trend"} <= set(figures)
    intents = json.loads(figures["intents"])
    assert "&lt;b&gt;bold&lt;/b&gt;" in intents["data"][0]["y"]
    for spec in figures.values():
        assert "</" not in spec
        assert pio.from_json(spec).data
    assert "<script src" not in page
    assert page.count("Plotly.newPlot") == 1


def test_html_file_is_written_whole_and_readable(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("the previous report", encoding="utf-8")
    analysis = analyze_conversation(_conversation("call", HAPPY, start=DAY))
    assert write_html(analysis, target) == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "turn-sentiment" in dict(FIGURE.findall(text))
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    nested = write_html(analysis, tmp_path / "new" / "folder" / "r.html")
    assert nested.read_text(encoding="utf-8") == text


def test_conversation_report_has_timing_and_failures() -> None:
    analysis = analyze_conversation(_conversation("call", ANGRY, start=DAY, brand="Acme"))
    report = build_report(analysis)
    tables = {t.id: t for s in report.sections for t in s.tables}
    timing = {row[0]: row[1] for row in tables["timing"].rows}
    assert timing["first response time"] == "60.0 s"
    assert timing["handle time"] == "2.0 min"
    failures = [row[0] for row in tables["failure-points"].rows]
    assert "escalation" in failures
    facts = dict(report.facts)
    assert facts["brand"] == "Acme"


def test_formatting_of_rates_times_and_bins() -> None:
    assert rate_text(wilson_rate(461, 643)) == "71.7 % [68.1, 75.0] (461 of 643)"
    assert rate_text(wilson_rate(0, 0)) == f"{UNAVAILABLE} (n=0)"
    assert [seconds_text(v) for v in (None, 30, 600, 7200, 259200)] == [
        UNAVAILABLE,
        "30.0 s",
        "10.0 min",
        "2.0 h",
        "3.0 days",
    ]
    assert bin_label(HistogramBin(0.0, 60.0, 1)) == "<1 min"
    assert bin_label(HistogramBin(3600.0, 14400.0, 1)) == "1 h–4 h"
    assert bin_label(HistogramBin(86400.0, None, 1)) == ">1 day"


def test_sankey_leaves_out_self_loops_and_caps_links() -> None:
    edges = [FlowEdge(START, "a", 5, 1.0), FlowEdge("a", "a", 4, 0.5), FlowEdge("a", END, 5, 0.5)]
    edges += [FlowEdge(f"s{i}", f"t{i}", 1, 1.0) for i in range(2 * MAX_SANKEY_LINKS)]
    spec = json.loads(sankey_chart(edges, 5).figure_json)["data"][0]
    assert len(spec["link"]["value"]) == MAX_SANKEY_LINKS
    pairs = list(zip(spec["link"]["source"], spec["link"]["target"], strict=True))
    assert all(source != target for source, target in pairs)
    assert spec["node"]["label"][:3] == ["(start)", "a", "(end)"]


def test_filter_description_and_terminal_tables() -> None:
    where = ConversationFilter.from_pairs(["from=2024-05-01", "brand=Acme", "brand=Zed"])
    assert describe_filter(where) == "from 2024-05-01; brand in Acme, Zed"
    assert describe_filter(ConversationFilter()) == "all conversations"
    analysis = analyze_dataset([_conversation("a", HAPPY, start=DAY, brand="Acme")], where=where)
    console = Console(record=True, width=200)
    print_report(build_report(analysis), console, max_rows=2)
    text = console.export_text()
    assert "Outcome rates over 1 conversations" in text
    assert "Response times per brand" in text


def test_bad_input_still_gives_a_whole_report() -> None:
    """A filter keeping nothing, one speaker, an empty turn, no conversations at all."""
    solo = Conversation(
        id="solo",
        source="test",
        turns=(
            Turn(index=0, speaker="customer", text="hello?"),
            Turn(index=1, speaker="customer", text=" "),
        ),
    )
    nothing = analyze_dataset([solo], where=ConversationFilter.from_pairs(["from=2030-01-01"]))
    assert (nothing.conversations, nothing.excluded) == (0, 1)
    for analysis in (
        nothing,
        analyze_dataset([solo]),
        analyze_dataset([]),
        analyze_conversation(solo),
    ):
        page = render_page(build_report(analysis))
        assert page.rstrip().endswith("</html>")
        for spec in dict(FIGURE.findall(page)).values():
            assert pio.from_json(spec).data
    tables = {t.id: t for s in build_report(nothing).sections for t in s.tables}
    assert tables["outcomes"].rows[0] == ("resolution", f"{UNAVAILABLE} (n=0)")


def test_dated_sentiment_gives_trend_and_csat_charts() -> None:
    days = [DAY, DAY + timedelta(days=2)]
    analysis = analyze_dataset(
        [_conversation(f"c{i}", HAPPY, start=day) for i, day in enumerate(days)]
    )
    charts = {c.id: c for s in build_report(analysis).sections for c in s.charts}
    trend = json.loads(charts["sentiment-trend"].figure_json)["data"][0]
    assert trend["x"] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert trend["y"][1] is None, "a day without conversations is a gap, not 0"
    csat = json.loads(charts["csat-distribution"].figure_json)["data"][0]
    assert csat["x"] == [1, 2, 3, 4, 5]
    assert sum(csat["y"]) == 2
