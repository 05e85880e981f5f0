"""The generic table loaders: CSV, JSONL, Parquet and SQL through one column mapping."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from colloquy.data.loaders.tabular import (
    ColumnMapping,
    CsvLoader,
    JsonlLoader,
    ParquetLoader,
    SqlLoader,
    SqlQuerySource,
    parse_outcome,
    parse_timestamp,
)
from colloquy.errors import DataError, NotFoundError, ParseError, UsageError
from colloquy.schema import Speaker

CALLS_CSV = """\
call_id,seq,role,message,sent_at,plan,region,converted,topic
c1,2,Agent,"Sure, I can help with that.
Which plan are you on?",2024-03-01 10:00:05,,,,
c1,1,customer,"Hi, my bill is wrong, again",2024-03-01T10:00:00Z,pro,EU,yes,billing
c1,3,USER,"The ""pro"" plan",1709287210,,,,
c2,1,client,Can I upgrade?,03/02/2024 09:30,basic,US,120.5,upgrade
c2,2,rep,Of course.,2024-03-02T09:31:00+01:00,,,,
"""

MAPPING = ColumnMapping(
    conversation_id="call_id",
    turn_order="seq",
    speaker="role",
    text="message",
    timestamp="sent_at",
    metadata=("plan", "region"),
    labels=("topic",),
    outcome="converted",
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def calls_csv(tmp_path: Path) -> Path:
    return _write(tmp_path / "calls.csv", CALLS_CSV)


# ---------------------------------------------------------------------------- CSV


def test_csv_multi_turn_conversations(calls_csv: Path) -> None:
    loader = CsvLoader(mapping=MAPPING)
    c1, c2 = list(loader.load(calls_csv))

    assert c1.id == "c1"
    assert c1.source == "csv"
    assert [t.text for t in c1.turns] == [
        "Hi, my bill is wrong, again",
        "Sure, I can help with that.\nWhich plan are you on?",
        'The "pro" plan',
    ]
    assert [t.speaker for t in c1.turns] == [Speaker.CUSTOMER, Speaker.AGENT, Speaker.CUSTOMER]
    assert [t.index for t in c1.turns] == [0, 1, 2]
    assert c1.turns[2].timestamp == datetime(2024, 3, 1, 10, 0, 10, tzinfo=UTC)
    assert c1.started_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert c1.metadata == {"plan": "pro", "region": "EU"}
    assert c1.labels == {"topic": "billing"}
    assert c1.outcome is not None
    assert c1.outcome.converted is True

    assert c2.outcome is not None
    assert (c2.outcome.converted, c2.outcome.value) == (True, 120.5)
    assert c2.turns[1].timestamp == datetime(2024, 3, 2, 8, 31, tzinfo=UTC)
    assert loader.report.conversations == 2
    assert loader.report.turns == 5
    assert loader.report.files == [str(calls_csv)]
    assert loader.report.problems == []


def test_csv_file_order_without_turn_order(calls_csv: Path) -> None:
    mapping = MAPPING.model_copy(update={"turn_order": None})
    c1 = next(iter(CsvLoader(mapping=mapping).load(calls_csv)))
    assert c1.turns[0].text.startswith("Sure, I can help")


def test_single_turn_mode_each_row_is_a_customer_conversation(tmp_path: Path) -> None:
    file = _write(
        tmp_path / "queries.csv", 'text,label\n"card, not working",card_issue\nrefund?,refund\n'
    )
    mapping = ColumnMapping(text="text", intent="label", labels=("label",))
    conversations = list(CsvLoader(mapping=mapping).load(file))

    assert [c.id for c in conversations] == ["queries-2", "queries-3"]
    first = conversations[0]
    assert len(first.turns) == 1
    assert first.turns[0].speaker is Speaker.CUSTOMER
    assert first.turns[0].text == "card, not working"
    assert first.turns[0].intent == "card_issue"
    assert first.labels == {"label": "card_issue"}


def test_custom_speaker_map_extends_the_defaults(tmp_path: Path) -> None:
    file = _write(tmp_path / "p.csv", "d,who,t\nx,0,hello\nx,1,hi\nx,bot,beep\n")
    mapping = ColumnMapping(
        conversation_id="d",
        speaker="who",
        text="t",
        speaker_map={"0": Speaker.AGENT, "1": Speaker.CUSTOMER},
    )
    (conversation,) = CsvLoader(mapping=mapping).load(file)
    assert [t.speaker for t in conversation.turns] == [Speaker.AGENT, Speaker.CUSTOMER, Speaker.BOT]


def test_folder_reads_every_csv_in_name_order(tmp_path: Path) -> None:
    _write(tmp_path / "b.csv", "text\nsecond\n")
    _write(tmp_path / "a.csv", "text\nfirst\n")
    _write(tmp_path / "notes.txt", "ignored")
    loader = CsvLoader(mapping=ColumnMapping())
    assert [c.turns[0].text for c in loader.load(tmp_path)] == ["first", "second"]
    assert [Path(f).name for f in loader.report.files] == ["a.csv", "b.csv"]


def test_broken_quoting_fails_with_file_and_line(tmp_path: Path) -> None:
    file = _write(tmp_path / "bad.csv", 'text\nfine\n"broken"quote\nafter\n')
    with pytest.raises(ParseError) as excinfo:
        list(CsvLoader(mapping=ColumnMapping()).load(file))
    assert f"{file}:3:" in str(excinfo.value)
    assert "quoting" in str(excinfo.value)


def test_broken_quoting_is_skipped_and_loading_goes_on(tmp_path: Path) -> None:
    file = _write(tmp_path / "bad.csv", 'text\nfine\n"broken"quote\nafter\n"never closed\n')
    loader = CsvLoader(mapping=ColumnMapping(), on_error="skip")
    texts = [c.turns[0].text for c in loader.load(file)]
    assert texts == ["fine", "after"]
    assert [(p.line, "quoting" in p.message) for p in loader.report.problems] == [
        (3, True),
        (5, True),
    ]


def test_wrong_field_count_is_a_row_problem(tmp_path: Path) -> None:
    file = _write(tmp_path / "f.csv", "text,label\na,b\nonly-one\n")
    loader = CsvLoader(mapping=ColumnMapping(), on_error="skip")
    assert len(list(loader.load(file))) == 1
    assert loader.report.problems[0].line == 3
    assert "expected 2 fields, found 1" in loader.report.problems[0].message


def test_missing_column_names_column_file_and_existing_columns(calls_csv: Path) -> None:
    mapping = MAPPING.model_copy(update={"text": "body"})
    with pytest.raises(ParseError) as excinfo:
        list(CsvLoader(mapping=mapping).load(calls_csv))
    message = str(excinfo.value)
    assert "'body'" in message
    assert str(calls_csv) in message
    assert "call_id, seq, role, message" in message


def test_missing_column_under_skip_is_one_problem(calls_csv: Path) -> None:
    loader = CsvLoader(mapping=MAPPING.model_copy(update={"text": "body"}), on_error="skip")
    assert list(loader.load(calls_csv)) == []
    assert len(loader.report.problems) == 1


def test_unknown_speaker_names_the_valid_values(tmp_path: Path) -> None:
    file = _write(tmp_path / "s.csv", "id,who,text\na,customer,hi\na,wizard,poof\na,agent,ok\n")
    mapping = ColumnMapping(conversation_id="id", speaker="who")
    with pytest.raises(ParseError) as excinfo:
        list(CsvLoader(mapping=mapping).load(file))
    message = str(excinfo.value)
    assert f"{file}:3:" in message
    assert "'wizard'" in message
    assert "agent" in message
    assert "customer" in message

    loader = CsvLoader(mapping=mapping, on_error="skip")
    (conversation,) = loader.load(file)
    assert [t.text for t in conversation.turns] == ["hi", "ok"]
    assert loader.report.problems[0].line == 3


def test_unparseable_timestamp(tmp_path: Path) -> None:
    file = _write(tmp_path / "t.csv", "text,at\nhello,2024-01-01\nbye,yesterday-ish\n")
    mapping = ColumnMapping(timestamp="at")
    with pytest.raises(ParseError, match=r"t\.csv:3: unparseable timestamp 'yesterday-ish'"):
        list(CsvLoader(mapping=mapping).load(file))

    loader = CsvLoader(mapping=mapping, on_error="skip")
    assert [c.turns[0].text for c in loader.load(file)] == ["hello"]
    assert loader.report.skipped == 1


def test_non_contiguous_conversation_is_reported(tmp_path: Path) -> None:
    file = _write(tmp_path / "n.csv", "id,text\na,1\nb,2\na,3\n")
    loader = CsvLoader(mapping=ColumnMapping(conversation_id="id"), on_error="skip")
    assert [c.id for c in loader.load(file)] == ["a", "b"]
    (problem,) = loader.report.problems
    assert problem.line == 4
    assert "contiguous" in problem.message


def test_empty_text_is_a_problem(tmp_path: Path) -> None:
    file = _write(tmp_path / "e.csv", 'text,label\n"  ",x\nok,y\n')
    loader = CsvLoader(mapping=ColumnMapping(), on_error="skip")
    assert len(list(loader.load(file))) == 1
    assert "empty 'text'" in loader.report.problems[0].message


def test_real_persuasion4good_dialogues(datasets_dir: Path) -> None:
    mapping = ColumnMapping(
        conversation_id="B2",
        turn_order="Turn",
        speaker="B4",
        text="Unit",
        speaker_map={"0": Speaker.AGENT, "1": Speaker.CUSTOMER},
        source="persuasion4good",
    )
    loader = CsvLoader(mapping=mapping)
    conversations = list(loader.load(datasets_dir / "persuasion4good/FullData/full_dialog.csv"))
    assert len(conversations) == 1017
    assert loader.report.turns == 20932
    assert conversations[0].turns[0].speaker is Speaker.AGENT


# ---------------------------------------------------------------------------- JSONL


def test_jsonl_rows_and_invalid_line(tmp_path: Path) -> None:
    rows = [
        {"cid": "x", "speaker": "user", "text": "hi", "meta": {"tier": 1}},
        {"cid": "x", "speaker": "assistant", "text": "hello"},
    ]
    lines = [json.dumps(rows[0]), "", "{not json", json.dumps(rows[1])]
    file = _write(tmp_path / "chats.jsonl", "\n".join(lines) + "\n")
    mapping = ColumnMapping(conversation_id="cid", speaker="speaker", metadata=("meta",))

    with pytest.raises(ParseError, match=r"chats\.jsonl:3: invalid JSON"):
        list(JsonlLoader(mapping=mapping).load(file))

    loader = JsonlLoader(mapping=mapping, on_error="skip")
    (conversation,) = loader.load(file)
    assert [t.speaker for t in conversation.turns] == [Speaker.CUSTOMER, Speaker.AGENT]
    assert conversation.metadata == {"meta": {"tier": 1}}
    assert [(p.line, p.message.startswith("invalid JSON")) for p in loader.report.problems] == [
        (3, True)
    ]


def test_jsonl_missing_column_in_first_record(tmp_path: Path) -> None:
    file = _write(tmp_path / "m.jsonl", json.dumps({"body": "hi", "who": "user"}) + "\n")
    with pytest.raises(ParseError) as excinfo:
        list(JsonlLoader(mapping=ColumnMapping()).load(file))
    assert "'text'" in str(excinfo.value)
    assert "body, who" in str(excinfo.value)


def test_jsonl_non_object_line(tmp_path: Path) -> None:
    file = _write(tmp_path / "a.jsonl", '{"text": "ok"}\n[1, 2]\n')
    loader = JsonlLoader(mapping=ColumnMapping(), on_error="skip")
    assert len(list(loader.load(file))) == 1
    assert "expected a JSON object, found list" in loader.report.problems[0].message


# ---------------------------------------------------------------------------- Parquet


def _parquet(path: Path) -> Path:
    table = pa.table(
        {
            "conversation": ["a", "a", "a", "b", "b"],
            "speaker": ["customer", "agent", "customer", "customer", "bot"],
            "text": ["need help", "sure", "thanks", "price?", "$10"],
            "at": [datetime(2024, 1, 1, 12, 0, s) for s in range(5)],
            "score": [0.5, None, None, 1.0, None],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    return path


def test_parquet_streams_batches(tmp_path: Path) -> None:
    file = _parquet(tmp_path / "chats.parquet")
    mapping = ColumnMapping(
        conversation_id="conversation", speaker="speaker", timestamp="at", metadata=("score",)
    )
    loader = ParquetLoader(mapping=mapping, batch_size=2)
    a, b = loader.load(file)
    assert [t.text for t in a.turns] == ["need help", "sure", "thanks"]
    assert a.turns[2].timestamp == datetime(2024, 1, 1, 12, 0, 2, tzinfo=UTC)
    assert a.metadata == {"score": 0.5}
    assert [t.speaker for t in b.turns] == [Speaker.CUSTOMER, Speaker.BOT]


def test_parquet_missing_column(tmp_path: Path) -> None:
    file = _parquet(tmp_path / "chats.parquet")
    mapping = ColumnMapping(conversation_id="thread")
    with pytest.raises(ParseError) as excinfo:
        list(ParquetLoader(mapping=mapping).load(file))
    assert "'thread'" in str(excinfo.value)
    assert "conversation, speaker, text, at, score" in str(excinfo.value)


def test_parquet_bad_row_has_row_number(tmp_path: Path) -> None:
    file = tmp_path / "x.parquet"
    pq.write_table(pa.table({"text": ["a", "b", "c"], "who": ["user", "alien", "rep"]}), file)
    loader = ParquetLoader(mapping=ColumnMapping(speaker="who"), on_error="skip")
    assert len(list(loader.load(file))) == 2
    assert loader.report.problems[0].line == 2


def test_parquet_unreadable_file(tmp_path: Path) -> None:
    file = _write(tmp_path / "fake.parquet", "not parquet at all")
    with pytest.raises(ParseError, match="not a readable Parquet file"):
        list(ParquetLoader(mapping=ColumnMapping()).load(file))


# ---------------------------------------------------------------------------- SQL


@pytest.fixture
def chat_db(tmp_path: Path) -> Path:
    path = tmp_path / "chats.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE messages (conv TEXT, n INTEGER, who TEXT, body TEXT, ts TEXT)")
        db.executemany(
            "INSERT INTO messages VALUES (?, ?, ?, ?, ?)",
            [
                ("k2", 1, "customer", "second conv", "2024-02-01T00:00:00Z"),
                ("k1", 2, "agent", "hello, how can I help?", "2024-01-01T00:00:05Z"),
                ("k1", 1, "customer", "hi", "2024-01-01T00:00:00Z"),
                ("k2", 2, "martian", "???", "2024-02-01T00:00:01Z"),
            ],
        )
    db.close()
    return path


SQL_MAPPING = ColumnMapping(
    conversation_id="conv", turn_order="n", speaker="who", text="body", timestamp="ts"
)
SQL_QUERY = "SELECT conv, n, who, body, ts FROM messages ORDER BY conv, n"


def test_sql_query_source(chat_db: Path) -> None:
    loader = SqlLoader(mapping=SQL_MAPPING, on_error="skip", batch_size=1)
    source = SqlQuerySource(f"sqlite:///{chat_db}", SQL_QUERY)
    k1, k2 = loader.load(source)
    assert [t.text for t in k1.turns] == ["hi", "hello, how can I help?"]
    assert k1.source == "sql"
    assert len(k2.turns) == 1
    (problem,) = loader.report.problems
    assert problem.line == 4
    assert "'martian'" in problem.message
    assert loader.report.conversations == 2


def test_sql_url_string_and_sqlite_path(chat_db: Path) -> None:
    query = "SELECT * FROM messages WHERE who != 'martian' ORDER BY conv, n"
    by_url = SqlLoader(mapping=SQL_MAPPING, query=query).load(f"sqlite:///{chat_db}")
    by_path = SqlLoader(mapping=SQL_MAPPING, query=query).load(chat_db)
    assert [c.id for c in by_url] == [c.id for c in by_path] == ["k1", "k2"]


def test_sql_params(chat_db: Path) -> None:
    query = "SELECT * FROM messages WHERE conv = :conv ORDER BY n"
    source = SqlQuerySource(f"sqlite:///{chat_db}", query, {"conv": "k1"})
    assert [c.id for c in SqlLoader(mapping=SQL_MAPPING).load(source)] == ["k1"]


def test_sql_missing_column(chat_db: Path) -> None:
    source = SqlQuerySource(f"sqlite:///{chat_db}", "SELECT conv, n, who, ts FROM messages")
    with pytest.raises(ParseError) as excinfo:
        list(SqlLoader(mapping=SQL_MAPPING).load(source))
    assert "'body'" in str(excinfo.value)
    assert "conv, n, who, ts" in str(excinfo.value)


def test_sql_bad_query_is_a_data_error(chat_db: Path) -> None:
    source = SqlQuerySource(f"sqlite:///{chat_db}", "SELECT * FROM nowhere")
    with pytest.raises(DataError, match=r"query on sqlite:///.* failed"):
        list(SqlLoader(mapping=SQL_MAPPING).load(source))


def test_sql_url_without_query_is_a_usage_error(chat_db: Path) -> None:
    with pytest.raises(UsageError, match="needs a query"):
        list(SqlLoader(mapping=SQL_MAPPING).load(f"sqlite:///{chat_db}"))


def test_sql_display_hides_the_password() -> None:
    source = SqlQuerySource("postgresql+psycopg://me:secret@db/chats", "SELECT 1")
    assert "secret" not in source.display


# ---------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01T12:00:00+02:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01 10:00:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("1709287200", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (1709287200.0, datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (1709287200000, datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("03/01/2024 10:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("Fri Mar 01 10:00:00 +0000 2024", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("Fri, 01 Mar 2024 10:00:00 GMT", datetime(2024, 3, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_formats(raw: object, expected: datetime) -> None:
    assert parse_timestamp(raw) == expected


def test_parse_timestamp_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="unparseable timestamp 'soon'"):
        parse_timestamp("soon")


def test_parse_outcome() -> None:
    assert parse_outcome("No").converted is False
    assert parse_outcome(0).value == 0.0
    assert parse_outcome("12.5").converted is True
    with pytest.raises(ValueError, match="neither a number nor a yes/no"):
        parse_outcome("perhaps")


def test_mapping_from_cli_pairs() -> None:
    mapping = ColumnMapping.from_pairs(
        ["conversation_id=call", "metadata=plan, region", "speaker=who", "speaker.Caller=customer"]
    )
    assert mapping.metadata == ("plan", "region")
    assert mapping.role_for("CALLER") is Speaker.CUSTOMER
    assert mapping.role_for("Support") is Speaker.AGENT
    with pytest.raises(UsageError, match="unknown field 'colour'"):
        ColumnMapping.from_pairs(["colour=blue"])
    with pytest.raises(UsageError, match="FIELD=COLUMN"):
        ColumnMapping.from_pairs(["text"])


def test_turn_order_needs_conversation_id() -> None:
    with pytest.raises(ValueError, match="turn_order needs conversation_id"):
        ColumnMapping(turn_order="seq")


# ---------------------------------------------------------------------------- regressions


def test_duplicated_header_column_is_one_line_naming_file_and_column(tmp_path: Path) -> None:
    file = _write(tmp_path / "dup.csv", "id,text,text\na,first,second\n")
    with pytest.raises(ParseError) as excinfo:
        list(CsvLoader(mapping=ColumnMapping(conversation_id="id")).load(file))
    message = str(excinfo.value)
    assert "\n" not in message
    assert f"{file}:1:" in message
    assert "'text' appears more than once" in message

    loader = CsvLoader(mapping=ColumnMapping(), on_error="skip")
    assert list(loader.load(file)) == []
    assert len(loader.report.problems) == 1


def test_blank_header_cells_are_not_duplicates(tmp_path: Path) -> None:
    file = _write(tmp_path / "trailing.csv", "text,,\nhello,,\n")
    assert [c.turns[0].text for c in CsvLoader(mapping=ColumnMapping()).load(file)] == ["hello"]


def test_sql_duplicated_result_column(chat_db: Path) -> None:
    query = "SELECT conv, n, who, body, ts, body FROM messages ORDER BY conv, n"
    with pytest.raises(ParseError, match="'body' appears more than once"):
        list(SqlLoader(mapping=SQL_MAPPING).load(SqlQuerySource(f"sqlite:///{chat_db}", query)))


def test_a_conversation_id_in_two_files_names_the_first(tmp_path: Path) -> None:
    _write(tmp_path / "a.csv", "id,text\nc1,hello\nc2,hi\n")
    _write(tmp_path / "b.csv", "id,text\nc3,hey\nc1,again\n")
    mapping = ColumnMapping(conversation_id="id")
    with pytest.raises(ParseError) as excinfo:
        list(CsvLoader(mapping=mapping).load(tmp_path))
    message = str(excinfo.value)
    assert f"{tmp_path / 'b.csv'}:3:" in message
    assert f"already read from {tmp_path / 'a.csv'}" in message

    loader = CsvLoader(mapping=mapping, on_error="skip")
    assert [c.id for c in loader.load(tmp_path)] == ["c1", "c2", "c3"]
    assert len(loader.report.problems) == 1


def test_single_turn_files_sharing_a_stem_would_share_ids(tmp_path: Path) -> None:
    _write(tmp_path / "q.jsonl", '{"text": "one"}\n')
    _write(tmp_path / "q.ndjson", '{"text": "two"}\n')
    with pytest.raises(ParseError, match=r"q\.ndjson: .*same ids as q\.jsonl"):
        list(JsonlLoader(mapping=ColumnMapping()).load(tmp_path))


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (["colour=blue"], "--map 'colour=blue': unknown field 'colour' — fields: channel,"),
        (["text"], "--map 'text' is not FIELD=COLUMN"),
        (["=message"], "--map '=message' is not FIELD=COLUMN"),
        (["text="], "--map 'text=' names no column — write text=COLUMN"),
        (["labels=,"], "--map 'labels=,' names no column"),
        (["text=a", "text=b"], "--map 'text=b': 'text' is mapped twice"),
        (["speaker.rep=boss"], "--map 'speaker.rep=boss': unknown role 'boss' — use one of"),
        (["speaker_map=x"], "--map 'speaker_map=x': write speaker roles one by one"),
        (["turn_order=seq"], "--map 'turn_order=seq' needs a conversation_id"),
        (["channel="], "--map 'channel=' names no column"),
    ],
)
def test_map_mistakes_are_one_line_naming_the_entry(pairs: list[str], expected: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        ColumnMapping.from_pairs(pairs)
    message = str(excinfo.value)
    assert "\n" not in message
    assert "pydantic" not in message
    assert message.startswith(expected) or expected in message


def test_sql_failures_are_one_line_without_sql_or_links(chat_db: Path) -> None:
    source = SqlQuerySource(f"sqlite:///{chat_db}", "SELECT * FROM nowhere")
    with pytest.raises(DataError) as excinfo:
        list(SqlLoader(mapping=SQL_MAPPING).load(source))
    message = str(excinfo.value)
    assert message.startswith(f"query on sqlite:///{chat_db} failed: no such table: nowhere — ")
    assert "\n" not in message
    assert "[SQL" not in message
    assert "sqlalche.me" not in message


def test_sql_bad_url_and_missing_driver_are_one_line() -> None:
    for url, expected in [
        ("nosuchdialect://host/db", "cannot open nosuchdialect://host/db: "),
        ("postgresql+nosuchdriver://u@h/db", "cannot open postgresql+nosuchdriver://u@h/db: "),
    ]:
        with pytest.raises(DataError) as excinfo:
            list(SqlLoader(mapping=SQL_MAPPING, query="SELECT 1").load(url))
        assert str(excinfo.value).startswith(expected)
        assert "\n" not in str(excinfo.value)


def test_sql_unreachable_server_hides_the_password() -> None:
    url = "postgresql+psycopg://me:hunter2@127.0.0.1:1/chats"
    with pytest.raises(DataError) as excinfo:
        list(SqlLoader(mapping=SQL_MAPPING, query="SELECT 1").load(url))
    message = str(excinfo.value)
    assert "\n" not in message
    assert "hunter2" not in message
    assert "127.0.0.1" in message


def test_sql_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(NotFoundError, match=r"typo\.db does not exist"):
        list(SqlLoader(mapping=SQL_MAPPING, query="SELECT 1").load(f"sqlite:///{missing}"))
    assert not missing.exists()
