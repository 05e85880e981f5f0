"""Installation checks for ``colloquy doctor``: each says what is wrong and how to fix it.

Checks never raise: a failure is a :class:`Check` with status ``fail`` and a fix, so one
broken part (the database down) does not hide the others (a missing extra, a full disk).
Optional services are checked only when configured and otherwise reported as skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from colloquy.config import Settings
from colloquy.errors import ColloquyError

MIN_FREE_BYTES = 1 << 30
LOW_FREE_BYTES = 5 << 30


class CheckStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: CheckStatus
    detail: str
    fix: str | None = None


def check_database(settings: Settings) -> Check:
    from colloquy.storage import Store
    from colloquy.storage.engine import parse_url, render_url

    url = settings.resolved_database_url
    shown = render_url(url)
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).expanduser()
        if not path.exists():
            # Connecting would create the file; the doctor only looks.
            return Check(
                "database", CheckStatus.OK, f"{shown}: not created yet (made on first use)"
            )
    try:
        with Store.connect(url) as store:
            status = store.schema_status()
    except ColloquyError as exc:
        return Check(
            "database",
            CheckStatus.FAIL,
            f"{shown}: {exc.message}",
            exc.hint or "set COLLOQUY_DATABASE_URL to a reachable database",
        )
    if status.current is None and parsed.get_backend_name() == "sqlite":
        return Check("database", CheckStatus.OK, f"{shown}: empty, migrated on first use")
    if not status.up_to_date:
        pending = ", ".join(status.pending) or "unknown"
        return Check(
            "database",
            CheckStatus.FAIL,
            f"{shown}: at revision {status.current}, needs {status.head} (pending {pending})",
            "run `colloquy db upgrade`",
        )
    return Check("database", CheckStatus.OK, f"{shown}: reachable, at revision {status.head}")


def check_model() -> Check:
    from colloquy.features.embeddings import SentenceEmbedder
    from colloquy.features.embeddings.sentence import bundled_model_path

    try:
        path = bundled_model_path()
        vectors = SentenceEmbedder().encode(["doctor"])
    except (ColloquyError, OSError, ValueError) as exc:
        return Check(
            "model",
            CheckStatus.FAIL,
            f"the bundled sentence encoder does not load: {exc}",
            "reinstall colloquy (`pip install --force-reinstall colloquy-ai`)",
        )
    return Check(
        "model",
        CheckStatus.OK,
        f"{path.parent.name}/{path.name} loads, {vectors.shape[1]}-dim vectors",
    )


def check_disk(settings: Settings) -> Check:
    home = settings.resolved_home
    probe = home if home.exists() else next((p for p in home.parents if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free
    detail = f"{free / (1 << 30):.1f} GiB free at {probe}"
    if free < MIN_FREE_BYTES:
        return Check("disk", CheckStatus.FAIL, detail, "free space or move COLLOQUY_HOME")
    if free < LOW_FREE_BYTES:
        return Check("disk", CheckStatus.WARN, detail, "models and backups need several GiB")
    return Check("disk", CheckStatus.OK, detail)


def check_redis() -> Check:
    url = os.environ.get("COLLOQUY_REDIS_URL") or os.environ.get("COLLOQUY_API_REDIS_URL")
    if not url:
        return Check("redis", CheckStatus.SKIP, "not configured (COLLOQUY_REDIS_URL unset)")
    from colloquy.extras import available

    if not available("redis"):
        return Check(
            "redis",
            CheckStatus.FAIL,
            "redis is configured but the client is not installed",
            "pip install 'colloquy-ai[api]'",
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return Check(
            "redis",
            CheckStatus.FAIL,
            f"{url}: {exc}",
            "start Redis or fix COLLOQUY_REDIS_URL",
        )
    return Check("redis", CheckStatus.OK, f"{url}: answers PING")


def check_mlflow(settings: Settings) -> Check:
    uri = settings.resolved_mlflow_tracking_uri
    if not settings.mlflow.tracking_uri:
        root = settings.resolved_mlflow_artifact_root
        where = root if root.exists() else root.parent.parent
        ok = os.access(where, os.W_OK) if where.exists() else True
        if not ok:
            return Check(
                "mlflow",
                CheckStatus.FAIL,
                f"local store {uri} is not writable",
                "fix the permissions of COLLOQUY_HOME",
            )
        return Check("mlflow", CheckStatus.OK, f"local store {uri}")
    if uri.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=3):
                pass
        except OSError as exc:
            return Check(
                "mlflow",
                CheckStatus.FAIL,
                f"{uri}: {exc}",
                "start the MLflow server or fix mlflow.tracking_uri",
            )
    return Check("mlflow", CheckStatus.OK, f"tracking at {uri}")


def check_extras() -> Check:
    from colloquy.extras import EXTRAS, available

    missing = sorted(
        name
        for name, extra in EXTRAS.items()
        if extra.modules and not all(map(available, extra.modules))
    )
    if not missing:
        return Check("extras", CheckStatus.OK, "every extra is installed")
    installs = "; ".join(EXTRAS[name].install for name in missing)
    return Check(
        "extras",
        CheckStatus.WARN,
        f"not installed: {', '.join(missing)}",
        f"only if you need them: {installs}",
    )


def run_checks(settings: Settings, *, load_model: bool = True) -> list[Check]:
    checks: list[Callable[[], Check]] = [
        lambda: check_database(settings),
        lambda: check_disk(settings),
        check_extras,
        check_redis,
        lambda: check_mlflow(settings),
    ]
    if load_model:
        checks.insert(1, check_model)
    return [check() for check in checks]
