"""Dataset routes against a real uvicorn server: upload -> ingest job -> stored rows,
pages, quality and analytics; hostile file names and zips stay inside the data folder."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory

from colloquy.storage import Store

ROWS = 12


def chats_csv(conversations: int = ROWS, prefix: str = "c") -> bytes:
    lines = ["chat,role,message,ts"]
    for i in range(conversations):
        day = f"2026-01-0{1 + i % 3}"
        lines += [
            f"{prefix}{i},customer,My card {i} has not arrived and I am annoyed,{day}T10:00:00Z",
            f"{prefix}{i},agent,Sorry about that - I have sent a new card today,{day}T10:01:00Z",
            f"{prefix}{i},customer,Great thanks a lot,{day}T10:02:00Z",
        ]
    return ("\n".join(lines) + "\n").encode()


MAPPING = ["conversation_id=chat", "speaker=role", "text=message", "timestamp=ts"]


def upload(
    client: httpx.Client,
    content: bytes,
    *,
    filename: str = "chats.csv",
    dataset: str = "chats",
    source: str = "csv",
    mapping: list[str] | None = None,
) -> httpx.Response:
    data: dict[str, Any] = {"dataset": dataset, "source": source}
    if mapping if mapping is not None else source == "csv":
        data["mapping"] = mapping if mapping is not None else MAPPING
    return client.post("/v1/datasets", data=data, files={"file": (filename, content)})


def finished(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/ingest-jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"ingest job {job_id} did not end in {timeout} s")


def test_upload_ingest_and_read_back(api_client: httpx.Client) -> None:
    answer = upload(api_client, chats_csv())
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["Location"] == f"/v1/ingest-jobs/{job['id']}"
    assert (job["kind"], job["dataset"], job["source"]) == ("ingest", "chats", "csv")
    done = finished(api_client, job["id"])
    assert done["state"] == "succeeded", done["error"]
    assert done["result"]["inserted"] == ROWS
    assert done["result"]["turns_written"] == 3 * ROWS

    listed = api_client.get("/v1/datasets").json()["datasets"]
    assert [(d["name"], d["conversations"], d["turns"]) for d in listed] == [
        ("chats", ROWS, 3 * ROWS)
    ]
    detail = api_client.get("/v1/datasets/chats").json()
    assert detail["speakers"] == {"customer": 2 * ROWS, "agent": ROWS}
    assert [u["filename"] for u in detail["uploads"]] == ["chats.csv"]
    assert detail["uploads"][0]["job_id"] == job["id"]

    quality = api_client.get("/v1/datasets/chats/quality").json()
    assert (quality["conversations"], quality["turns"]) == (ROWS, 3 * ROWS)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = api_client.get("/v1/datasets/chats/conversations", params=params).json()
        seen += [c["id"] for c in page["conversations"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"c{i}" for i in range(ROWS)]
    bad = api_client.get("/v1/datasets/chats/conversations", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert (
        api_client.get("/v1/datasets/chats/conversations", params={"limit": 5000}).status_code
        == 422
    )

    first = api_client.get("/v1/datasets/chats/analytics").json()
    assert first["analysis"]["conversations"] == ROWS
    assert first["run"]["computed"] == ROWS
    again = api_client.get("/v1/datasets/chats/analytics").json()
    assert again["run"]["aggregate_reused"] is True
    assert again["run"]["computed"] == 0
    one_day = api_client.get(
        "/v1/datasets/chats/analytics", params={"from": "2026-01-01", "to": "2026-01-01"}
    ).json()
    assert one_day["analysis"]["conversations"] == 4
    assert one_day["analysis"]["filter"]["start"] == "2026-01-01"

    more = upload(api_client, chats_csv(3, prefix="d"))
    assert finished(api_client, more.json()["id"])["state"] == "succeeded"
    grown = api_client.get("/v1/datasets/chats/analytics").json()
    assert (grown["analysis"]["conversations"], grown["run"]["computed"]) == (ROWS + 3, 3)


def test_unknown_datasets_are_404_problems(api_client: httpx.Client) -> None:
    for path in ("", "/quality", "/conversations", "/analytics"):
        answer = api_client.get(f"/v1/datasets/nope{path}")
        assert answer.status_code == 404, path
        assert answer.json()["request_id"]


def test_a_hostile_file_name_stays_inside_the_upload_folder(
    api_server: Any, api_client: httpx.Client, tmp_path: Path
) -> None:
    answer = upload(api_client, chats_csv(2), filename="../../../../escape.csv")
    assert answer.status_code == 202, answer.text
    assert finished(api_client, answer.json()["id"])["state"] == "succeeded"
    data_dir = api_server.settings.resolved_data_dir().resolve()
    written = list(tmp_path.rglob("escape.csv"))
    assert written
    assert all(p.resolve().is_relative_to(data_dir / "uploads") for p in written)
    detail = api_client.get("/v1/datasets/chats").json()
    assert detail["uploads"][0]["filename"] == "escape.csv"


def test_a_zip_slip_upload_is_refused_and_writes_nothing(
    api_client: httpx.Client, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("call.txt", "Agent: hello\nCustomer: hi\n")
        archive.writestr("../../../slipped.txt", "Agent: gotcha\n")
    answer = upload(
        api_client, buffer.getvalue(), filename="calls.zip", source="transcript", mapping=[]
    )
    assert answer.status_code == 400
    assert "outside its folder" in answer.json()["detail"]
    assert not list(tmp_path.rglob("slipped.txt"))
    assert not list(tmp_path.rglob("calls.zip")), "a refused upload is removed"
    assert api_client.get("/v1/datasets").json()["datasets"] == []


def test_a_zip_of_transcripts_is_ingested(api_client: httpx.Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Agent: Hello, how can I help?\nCustomer: My order is late.\n")
        archive.writestr("day2/b.txt", "Agent: Hi!\nCustomer: Where is my refund?\n")
    answer = upload(
        api_client, buffer.getvalue(), filename="calls.zip", source="transcript", dataset="calls"
    )
    assert answer.status_code == 202, answer.text
    done = finished(api_client, answer.json()["id"])
    assert done["state"] == "succeeded", done["error"]
    assert done["result"]["inserted"] == 2


def test_bad_upload_options_are_refused_before_a_job(api_client: httpx.Client) -> None:
    wrong_map = upload(api_client, chats_csv(1), mapping=["colour=chat"])
    assert wrong_map.status_code == 400
    wrong_source = upload(api_client, chats_csv(1), source="sql")
    assert wrong_source.status_code == 422
    zipped_csv = upload(api_client, b"PK\x03\x04", filename="x.zip")
    assert zipped_csv.status_code == 400


def test_a_file_that_fails_to_parse_ends_its_job_failed_and_stores_nothing(
    api_client: httpx.Client,
) -> None:
    answer = upload(api_client, b"\x00\x01\x02 not a csv", mapping=["text=missing"])
    done = finished(api_client, answer.json()["id"])
    assert done["state"] == "failed"
    assert done["error"]
    assert api_client.get("/v1/datasets").json()["datasets"] == []
    log = api_client.get(f"/v1/ingest-jobs/{done['id']}/logs")
    assert log.status_code == 200
    assert "job.failed" in log.text


def test_uploads_need_the_train_scope(
    api_settings: SettingsFactory, live_server: ServerFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    reader, trainer = make_key(settings, "read", name="r"), make_key(settings, "train", name="t")
    server = live_server(settings)
    with server.client(reader) as client:
        assert upload(client, chats_csv(1)).status_code == 403
        assert client.get("/v1/datasets").status_code == 200
    with server.client(trainer) as client:
        assert upload(client, chats_csv(1)).status_code == 202
    with server.client() as anonymous:
        assert anonymous.get("/v1/datasets").status_code == 401


def test_an_upload_over_the_limit_is_413(
    api_settings: SettingsFactory, live_server: ServerFactory
) -> None:
    server = live_server(api_settings(max_upload_bytes=4096))
    with server.client() as client:
        answer = upload(client, chats_csv(200))
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_dataset_names_round_trip_in_paths(api_client: httpx.Client) -> None:
    names = ["with space", "ünïcode"]
    jobs = [upload(api_client, chats_csv(1), dataset=name).json()["id"] for name in names]
    assert [finished(api_client, job)["state"] for job in jobs] == ["succeeded"] * 2
    for name in names:
        assert api_client.get(f"/v1/datasets/{name}").json()["name"] == name


def test_rows_uploaded_are_all_in_the_store(api_server: Any, api_client: httpx.Client) -> None:
    jobs = [upload(api_client, chats_csv(5, prefix=f"u{n}-")).json()["id"] for n in range(3)]
    states = [finished(api_client, job)["state"] for job in jobs]
    assert states == ["succeeded"] * 3
    with Store.open(api_server.settings.resolved_store_url()) as store:
        assert store.dataset("chats").conversations == 15


def test_uploads_and_jobs_on_sqlite_and_postgresql(
    store_url: str, api_settings: SettingsFactory, live_server: ServerFactory
) -> None:
    server = live_server(api_settings(store_url=store_url))
    dataset = f"both-{uuid.uuid4().hex[:8]}"
    with server.client() as client:
        answer = upload(client, chats_csv(4), dataset=dataset)
        assert answer.status_code == 202, answer.text
        done = finished(client, answer.json()["id"])
        assert done["state"] == "succeeded", done["error"]
        detail = client.get(f"/v1/datasets/{dataset}").json()
    assert (detail["conversations"], len(detail["uploads"])) == (4, 1)
    with Store.open(store_url) as store:
        assert store.dataset(dataset).turns == 12
        store.delete_dataset(dataset)
