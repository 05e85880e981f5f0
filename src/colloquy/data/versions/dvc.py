"""DVC lineage: the md5, git revision and remote DVC records for a data path.

Users who keep data in DVC already have a version for it: the md5 in the path's ``.dvc``
file (or in a ``dvc.lock`` stage's outputs) at a git revision. A run records that rather
than inventing another name. The lineage is read from the files DVC writes (YAML, INI),
so asking costs no DVC start-up; changing the repository (``dvc add``, ``dvc push``) runs
DVC itself, from the same Python environment, as a subprocess.

Every file read here is untrusted: YAML is parsed with the safe loader, and only the
exact fields named below are taken from it.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from colloquy.data.versions.records import DvcLineage, LineageSource
from colloquy.errors import DataError, UsageError

_TIMEOUT = 600.0


def find_dvc_root(path: Path) -> Path | None:
    """The closest folder at or above ``path`` holding a ``.dvc`` folder, or None."""
    start = Path(path).expanduser().absolute()
    for folder in (start, *start.parents):
        if (folder / ".dvc").is_dir():
            return folder
    return None


def dvc_lineage(path: Path | str) -> DvcLineage | None:
    """What DVC records for ``path``: None outside a DVC repository or for a path DVC does
    not track (neither a ``.dvc`` file nor a ``dvc.lock`` output names it)."""
    target = Path(path).expanduser().absolute()
    root = find_dvc_root(target.parent if not target.is_dir() else target)
    if root is None:
        return None
    relative = target.relative_to(root).as_posix()
    found = _from_dvc_files(root, target) or _from_lock(root, relative)
    if found is None:
        return None
    dvc_file, source, entry = found
    remote, remote_url = default_remote(root)
    return DvcLineage(
        repo_root=root,
        path=relative,
        md5=entry["md5"],
        source=source,
        dvc_file=dvc_file,
        git_revision=git_revision(root),
        size=entry.get("size") if isinstance(entry.get("size"), int) else None,
        remote=remote,
        remote_url=remote_url,
    )


def _from_dvc_files(root: Path, target: Path) -> tuple[Path, LineageSource, dict[str, Any]] | None:
    """The ``.dvc`` file of ``target`` or of the tracked folder that holds it."""
    for candidate in (target, *target.parents):
        dvc_file = candidate.with_name(candidate.name + ".dvc")
        if dvc_file.is_file():
            for out in _outs(_read_yaml(dvc_file), dvc_file):
                if (dvc_file.parent / out["path"]).absolute() == candidate:
                    return dvc_file, "dvc-file", out
        if candidate == root:
            return None
    return None


def _from_lock(root: Path, relative: str) -> tuple[Path, LineageSource, dict[str, Any]] | None:
    lock = root / "dvc.lock"
    if not lock.is_file():
        return None
    stages = _read_yaml(lock).get("stages")
    if not isinstance(stages, dict):
        return None
    for stage in stages.values():
        if not isinstance(stage, dict):
            continue
        for key in ("outs", "deps"):
            for entry in _entries(stage.get(key), lock):
                if Path(entry["path"]).as_posix() == relative:
                    return lock, "dvc.lock", entry
    return None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(
            f"{path}: cannot read this DVC file ({type(exc).__name__}: {exc})",
            hint="restore it from git (`git checkout -- FILE`) or re-run `dvc add`",
        ) from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: not a DVC file (expected a mapping)", hint="re-run `dvc add`")
    return data


def _outs(data: dict[str, Any], source: Path) -> list[dict[str, Any]]:
    return _entries(data.get("outs"), source)


def _entries(value: object, source: Path) -> list[dict[str, Any]]:
    """The entries of an ``outs``/``deps`` list that carry a path and an md5."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"{source}: 'outs'/'deps' is not a list", hint="re-run `dvc add`")
    entries = []
    for item in value:
        if (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("md5"), str)
        ):
            entries.append(item)
    return entries


def default_remote(root: Path) -> tuple[str | None, str | None]:
    """The default remote's name and URL from ``.dvc/config`` (and ``config.local``)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read([root / ".dvc" / "config", root / ".dvc" / "config.local"], encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None, None
    name = parser.get("core", "remote", fallback=None)
    if not name:
        return None, None
    for section in (f"'remote \"{name}\"'", f'remote "{name}"'):
        if parser.has_section(section):
            return name, parser.get(section, "url", fallback=None)
    return name, None


def git_revision(root: Path) -> str | None:
    """The commit checked out in ``root``'s git repository, None without git or commits."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    revision = done.stdout.strip()
    return revision if done.returncode == 0 and revision else None


def dvc_add(path: Path | str) -> DvcLineage:
    """``dvc add`` ``path`` in its DVC repository and return the lineage DVC recorded."""
    target = Path(path).expanduser().absolute()
    root = _require_root(target)
    run_dvc(root, "add", str(target))
    lineage = dvc_lineage(target)
    if lineage is None:
        raise DataError(
            f"`dvc add {target}` wrote no .dvc file DVC lineage can read",
            hint="check `dvc status` in the repository",
        )
    return lineage


def dvc_push(path: Path | str) -> None:
    """``dvc push`` the ``.dvc`` file of ``path`` to the repository's default remote."""
    target = Path(path).expanduser().absolute()
    root = _require_root(target)
    run_dvc(root, "push", str(target.with_name(target.name + ".dvc")))


def _require_root(target: Path) -> Path:
    root = find_dvc_root(target.parent)
    if root is None:
        raise UsageError(
            f"{target} is not inside a DVC repository",
            hint="run `dvc init` in the git repository that holds it, or choose --root there",
        )
    return root


def run_dvc(root: Path, *args: str) -> str:
    """Run DVC from this Python environment in ``root``; its error as one line on failure."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dvc", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DataError(
            f"`dvc {' '.join(args)}` did not finish in {_TIMEOUT:.0f} s",
            hint="check the remote",
        ) from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        cause = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise DataError(
            f"`dvc {' '.join(args)}` failed in {root}: {cause}",
            hint="run the same command there to see DVC's full message",
        )
    return done.stdout
