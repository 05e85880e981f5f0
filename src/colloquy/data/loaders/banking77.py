"""BANKING77: 13,083 single-turn banking queries labelled with 77 intents.

PATH is the dataset folder (``train.csv`` and ``test.csv``, columns ``text,category``) or
one of those files. Each row becomes a one-turn conversation whose customer turn carries
the intent; ``labels`` holds the intent and the official split.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from colloquy.data.loaders.base import Loader
from colloquy.schema import Conversation, Speaker, Turn

_SPLITS = ("train", "test")


class Banking77Loader(Loader):
    name = "banking77"
    description = "BANKING77 single-turn banking queries with 77 intents (CSV)"
    layout = "the banking77 folder with train.csv and test.csv, or one of those files"

    def _load(self, path: Path) -> Iterator[Conversation]:
        files = [path / f"{split}.csv" for split in _SPLITS] if path.is_dir() else [path]
        missing = [f for f in files if not f.is_file()]
        if path.is_dir() and len(missing) == len(files):
            self.problem(path, None, f"no train.csv or test.csv in {path}")
            return
        for file in files:
            if file.is_file():
                yield from self._load_file(file)

    def _load_file(self, file: Path) -> Iterator[Conversation]:
        self.note_file(file)
        split = file.stem
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip() for h in header[:2]] != ["text", "category"]:
                self.problem(file, 1, f"expected header 'text,category', found {header!r}")
                return
            for row in reader:
                line = reader.line_num
                if len(row) != 2:
                    self.problem(
                        file, line, f"expected 2 fields (text, category), found {len(row)}"
                    )
                    continue
                text, intent = row[0].strip(), row[1].strip()
                if not text or not intent:
                    self.problem(file, line, "empty text or category")
                    continue
                yield Conversation(
                    id=f"{split}-{line:05d}",
                    source=self.name,
                    channel="chat",
                    turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text=text, intent=intent),),
                    labels={"intent": intent, "split": split},
                )
