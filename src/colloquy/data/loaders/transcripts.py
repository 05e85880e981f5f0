"""Call transcripts from files and folders, one ``Conversation`` per file.

The formats and how a file becomes a conversation are described in
:mod:`colloquy.data.loaders.transcript_parser`. Within one input, two files that give the
same conversation id (``call1.txt`` and ``call1.vtt``) are a problem naming both, rather
than a clash the store reports later without saying which files collided.

Many files can be read concurrently with :func:`aload_transcripts` /
:func:`aiter_transcripts`: file reads and parsing run in worker threads under a semaphore,
and results come back in input order, so output is deterministic whatever finishes first.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Iterable, Iterator, Mapping
from contextlib import aclosing
from pathlib import Path

from colloquy.data.loaders.base import Loader, LoadReport, OnError, check_input, regular_files
from colloquy.data.loaders.transcript_parser import (
    DEFAULT_TRANSCRIPT_ROLES,
    TRANSCRIPT_FORMATS,
    TRANSCRIPT_SUFFIXES,
    ParsedTranscript,
    TranscriptParser,
    as_role,
    check_format,
)
from colloquy.errors import ParseError, UsageError
from colloquy.schema import Conversation, Speaker


def transcript_files(path: Path) -> list[Path]:
    """``path`` itself, or the transcript files directly inside the folder, sorted by name."""
    if not path.is_dir():
        return [path]
    return regular_files(p for p in path.iterdir() if p.suffix.lower() in TRANSCRIPT_SUFFIXES)


async def aiter_transcripts(
    paths: Iterable[Path | str], *, parser: TranscriptParser | None = None, concurrency: int = 8
) -> AsyncGenerator[ParsedTranscript, None]:
    """Parse files concurrently; yield results in the order of ``paths``.

    At most ``concurrency`` files are read and parsed at once (worker threads under a
    semaphore), and at most ``2 * concurrency`` finished results wait to be consumed, so
    memory stays bounded however many files there are.
    """
    if concurrency < 1:
        raise UsageError(f"concurrency must be at least 1, got {concurrency}")
    chosen = parser or TranscriptParser()
    semaphore = asyncio.Semaphore(concurrency)

    async def parse(file: Path) -> ParsedTranscript:
        async with semaphore:
            return await asyncio.to_thread(chosen.parse_file, file)

    pending: deque[asyncio.Task[ParsedTranscript]] = deque()
    try:
        for path in paths:
            pending.append(asyncio.create_task(parse(Path(path))))
            if len(pending) >= 2 * concurrency:
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class TranscriptLoader(Loader):
    name = "transcript"
    description = (
        "call transcripts: Speaker-lines .txt, WebVTT, SRT, YouTube .sbv, colloquy JSON or "
        "speech-to-text JSON (Whisper, AssemblyAI, Deepgram, AWS Transcribe, Google)"
    )
    layout = "a transcript file (.txt, .vtt, .srt, .sbv, .json) or a folder of them"

    def __init__(
        self,
        *,
        speaker_map: Mapping[str, Speaker | str] | None = None,
        default_role: Speaker | str | None = None,
        concurrency: int = 8,
        on_error: OnError = "fail",
        transcript_format: str | None = None,
        merge_cues: bool = True,
    ) -> None:
        super().__init__(on_error=on_error)
        roles = {name: as_role(role) for name, role in (speaker_map or {}).items()}
        default = None if default_role is None else as_role(default_role)
        self.parser = TranscriptParser(
            speaker_map=roles,
            default_role=default,
            transcript_format=check_format(transcript_format),
            merge_cues=merge_cues,
        )
        self.concurrency = concurrency
        self._origins: dict[str, Path] = {}

    def _load(self, path: Path) -> Iterator[Conversation]:
        self._origins = {}
        read = 0
        for file in self._files(path):
            for conversation in self._accept(self.parser.parse_file(file)):
                read += 1
                yield conversation
        self._check_read(path, read)

    def _check_read(self, path: Path | str, read: int) -> None:
        """Refuse an ingest that read nothing, rather than let it store an empty dataset."""
        if read or not self.report.problems:
            return
        first = self.report.problems[0]
        count = len(self.report.problems)
        raise ParseError(
            f"no conversation could be read from {path}: {count} problem(s), the first: {first}",
            hint="fix the files listed above, or pass --transcript-format NAME "
            f"({', '.join(TRANSCRIPT_FORMATS)}) if the format was mis-detected",
        )

    def _files(self, path: Path) -> list[Path]:
        files = transcript_files(path)
        if not files:
            suffixes = ", ".join(TRANSCRIPT_SUFFIXES)
            self.problem(path, None, f"no transcript files ({suffixes}) in this folder")
        return files

    def _accept(self, result: ParsedTranscript) -> Iterator[Conversation]:
        self.note_file(result.path)
        for problem in result.problems:
            self.problem(problem.path, problem.line, problem.message)
        conversation = result.conversation
        if conversation is None:
            return
        first = self._origins.setdefault(conversation.id, result.path)
        if first != result.path:
            self.problem(
                result.path,
                None,
                f"conversation id {conversation.id!r} is also the id of {first} "
                "(ids come from file stems, or the JSON 'id')",
                hint="rename one of the two files, or give it another 'id'",
            )
            return
        yield conversation

    async def aload(self, paths: Path | str | Iterable[Path | str]) -> list[Conversation]:
        """Load files (or folders of them) concurrently, in order; see :attr:`report`."""
        files = self._expand(paths)
        self.report = LoadReport(source=self.name)
        self._origins = {}
        conversations: list[Conversation] = []
        results = aiter_transcripts(files, parser=self.parser, concurrency=self.concurrency)
        async with aclosing(results) as stream:
            async for result in stream:
                for conversation in self._accept(result):
                    self.report.conversations += 1
                    self.report.turns += len(conversation.turns)
                    conversations.append(conversation)
        self._check_read(", ".join(str(p) for p in files), len(conversations))
        return conversations

    def _expand(self, paths: Path | str | Iterable[Path | str]) -> list[Path]:
        given = [paths] if isinstance(paths, str | Path) else list(paths)
        files: list[Path] = []
        for entry in given:
            path = Path(entry).expanduser()
            check_input(path, f"expected {self.layout}")
            files.extend(self._files(path))
        return files


async def aload_transcripts(
    paths: Path | str | Iterable[Path | str],
    *,
    concurrency: int = 8,
    speaker_map: Mapping[str, Speaker | str] | None = None,
    default_role: Speaker | str | None = None,
    on_error: OnError = "fail",
    report: LoadReport | None = None,
    transcript_format: str | None = None,
    merge_cues: bool = True,
) -> list[Conversation]:
    """Read many transcripts concurrently; conversations come back in input order.

    Under ``on_error="fail"`` the first problem (in input order) raises
    :class:`~colloquy.errors.ParseError`; under ``"skip"`` problems, files and counts are
    added to ``report`` when one is given.
    """
    loader = TranscriptLoader(
        speaker_map=speaker_map,
        default_role=default_role,
        concurrency=concurrency,
        on_error=on_error,
        transcript_format=transcript_format,
        merge_cues=merge_cues,
    )
    conversations = await loader.aload(paths)
    if report is not None:
        report.files.extend(loader.report.files)
        report.problems.extend(loader.report.problems)
        report.conversations += loader.report.conversations
        report.turns += loader.report.turns
    return conversations


__all__ = [
    "DEFAULT_TRANSCRIPT_ROLES",
    "TRANSCRIPT_FORMATS",
    "TRANSCRIPT_SUFFIXES",
    "ParsedTranscript",
    "TranscriptLoader",
    "TranscriptParser",
    "aiter_transcripts",
    "aload_transcripts",
    "as_role",
    "transcript_files",
]
