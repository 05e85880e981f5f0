"""Reading declared columns from CSV, JSONL, Parquet and SQL, and the one-line errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine

from colloquy.data.rows import (
    MissingColumnError,
    RowSource,
    check_columns,
    read_rows,
    source_columns,
)
from colloquy.errors import ConfigError, DataError, NotFoundError, ParseError

COLUMNS = ["tenure", "plan", "note", "churned"]
KEYS = {"tenure": "features[0].name", "plan": "features[1].name", "note": "features[2].name"}


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 40
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "tenure": rng.integers(1, 60, n).astype(float),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "note": rng.choice(["slow support", "great, thanks", "billing, again"], n),
            "churned": rng.integers(0, 2, n),
        }
    )


def _write(frame: pd.DataFrame, tmp_path: Path, fmt: str) -> RowSource:
    if fmt == "csv":
        frame.to_csv(tmp_path / "customers.csv", index=False)
        return RowSource(path=tmp_path / "customers.csv")
    if fmt == "jsonl":
        lines = [json.dumps(row) for row in frame.to_dict(orient="records")]
        (tmp_path / "customers.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return RowSource(path=tmp_path / "customers.jsonl")
    if fmt == "parquet":
        frame.to_parquet(tmp_path / "customers.parquet", index=False)
        return RowSource(path=tmp_path / "customers.parquet")
    url = f"sqlite:///{tmp_path / 'customers.db'}"
    engine = create_engine(url)
    frame.to_sql("customers", engine, index=False)
    engine.dispose()
    return RowSource(url=url, query="SELECT * FROM customers ORDER BY id")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "sql"])
def test_each_format_reads_exactly_the_declared_columns(
    customers: pd.DataFrame, tmp_path: Path, fmt: str
) -> None:
    source = _write(customers, tmp_path, fmt)
    frame = read_rows(source, COLUMNS, keys=KEYS)
    assert list(frame.columns) == COLUMNS
    assert frame["plan"].tolist() == customers["plan"].tolist()
    assert frame["note"].tolist() == customers["note"].tolist()
    assert np.allclose(frame["tenure"].astype(float), customers["tenure"])
    assert frame["churned"].astype(int).tolist() == customers["churned"].tolist()
    assert set(COLUMNS) <= set(source_columns(source))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "sql"])
def test_a_missing_column_names_the_source_its_columns_and_the_key_to_fix(
    customers: pd.DataFrame, tmp_path: Path, fmt: str
) -> None:
    source = _write(customers.drop(columns=["plan"]), tmp_path, fmt)
    with pytest.raises(MissingColumnError) as caught:
        read_rows(source, COLUMNS, keys=KEYS)
    message = caught.value.one_line()
    assert "column 'plan' is not in" in message
    assert "columns: id, tenure, note, churned" in message
    assert message.endswith("fix features[1].name")
    assert "\n" not in message
    with pytest.raises(MissingColumnError, match=r"fix features\[1\]\.name"):
        check_columns(source, COLUMNS, keys=KEYS)


def test_csv_names_the_file_name_in_the_missing_column_error(
    customers: pd.DataFrame, tmp_path: Path
) -> None:
    source = _write(customers.drop(columns=["note"]), tmp_path, "csv")
    with pytest.raises(MissingColumnError, match=r"column 'note' is not in customers\.csv"):
        read_rows(source, COLUMNS, keys=KEYS)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"absent\.csv does not exist"):
        read_rows(RowSource(path=tmp_path / "absent.csv"), ["a"])


def test_a_csv_row_with_too_many_fields_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6,7\n8,9\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_rows(RowSource(path=path), ["a", "b"])
    assert caught.value.line == 4
    assert f"{path}:4:" in caught.value.one_line()


def test_a_jsonl_line_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": \n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"broken\.jsonl:3: not valid JSON"):
        read_rows(RowSource(path=path), ["a"])


def test_a_jsonl_field_holding_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested.jsonl"
    path.write_text('{"a": 1}\n{"a": {"b": 2}}\n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"nested\.jsonl:2: field 'a' holds a JSON dict"):
        read_rows(RowSource(path=path), ["a"])


def test_jsonl_keys_absent_from_later_lines_are_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "sparse.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": 2}\n', encoding="utf-8")
    frame = read_rows(RowSource(path=path), ["b", "a"])
    assert frame["a"].tolist() == [1, 2]
    assert frame["b"].tolist()[0] == "x"
    assert pd.isna(frame["b"].tolist()[1])


def test_max_rows_reads_the_first_rows_only(customers: pd.DataFrame, tmp_path: Path) -> None:
    for fmt in ("csv", "jsonl", "parquet", "sql"):
        folder = tmp_path / fmt
        folder.mkdir()
        source = _write(customers, folder, fmt)
        options = source.options.model_copy(update={"max_rows": 7})
        limited = source.model_copy(update={"options": options})
        frame = read_rows(limited, ["plan"])
        assert frame["plan"].tolist() == customers["plan"].tolist()[:7], fmt


def test_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("a\tb\n1\tx, y\n", encoding="utf-8")
    frame = read_rows(RowSource(path=path), ["b"])
    assert frame["b"].tolist() == ["x, y"]


def test_a_failing_query_is_one_line_naming_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(DataError) as caught:
        read_rows(RowSource(url=url, query="SELECT * FROM nowhere"), ["a"])
    assert "no such table: nowhere" in caught.value.one_line()
    assert "\n" not in caught.value.one_line()


def test_an_unusable_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"source\.url is not a usable database URL"):
        read_rows(RowSource(url="nodb://x", query="SELECT 1"), ["a"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "either 'path'"),
        ({"path": "a.csv", "url": "sqlite://", "query": "SELECT 1"}, "either 'path'"),
        ({"url": "sqlite://"}, "needs a 'query'"),
        ({"path": "a.xlsx"}, "cannot tell the format of 'a.xlsx'"),
        ({"path": "a.csv", "format": "sql"}, "format 'sql' needs 'url'"),
        ({"path": "a.csv", "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_sources_are_refused_when_the_config_is_read(
    fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        RowSource.model_validate(fields)


def test_the_format_follows_the_suffix_unless_given() -> None:
    assert RowSource(path=Path("x.ndjson")).resolved_format == "jsonl"
    assert RowSource(path=Path("x.pq")).resolved_format == "parquet"
    assert RowSource(path=Path("x.txt"), format="csv").resolved_format == "csv"
    assert RowSource(url="sqlite://", query="SELECT 1").resolved_format == "sql"


@pytest.mark.postgres
def test_a_postgresql_query_is_read(postgres_url: str, customers: pd.DataFrame) -> None:
    engine = create_engine(postgres_url)
    customers.to_sql("h3_customers", engine, index=False, if_exists="replace")
    engine.dispose()
    source = RowSource(url=postgres_url, query="SELECT * FROM h3_customers ORDER BY id")
    frame = read_rows(source, COLUMNS, keys=KEYS)
    assert frame["plan"].tolist() == customers["plan"].tolist()
    with pytest.raises(MissingColumnError, match=r"fix features\[0\]\.name"):
        read_rows(source, ["tenures"], keys={"tenures": "features[0].name"})
