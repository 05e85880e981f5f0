"""Voice latency: end of the caller's speech → the agent's first audio, per stage.

Three configurations in the same run, all through the real pipeline (Silero VAD,
smart-turn v3, the agent engine on a seeded SQLite desk, validator, sink):

* (a) ``offline`` — the full offline stack on this machine: Whisper base int8 + Piper.
* (b) ``overhead`` — speech-to-text, LLM and text-to-speech replaced by instant stand-ins:
  what the pipeline itself costs (VAD stop, turn decision, engine, validator, sink).
* (c) ``budget`` — stand-ins delayed like fast cloud services (STT 150 ms, LLM first
  token 250 ms, TTS first audio 100 ms): the plan's budget, P50 < 520, P95 < 800,
  P99 < 1200 ms.

Then (c) with 5 and 10 concurrent calls: percentiles and CPU seconds per call-minute.
The caller's lines are spoken by espeak-ng; stand-in STT returns the line that was played.
``total`` runs from the last voiced audio (VAD stop minus its 0.2 s stop delay);
``from_vad_stop`` excludes that fixed delay, as Pipecat's own latency observer does.

    nice python -m benchmarks.voice [--turns 100] [--offline-turns 20] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks._report import RESULTS, markdown_table, write_section
from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.engine.factory import build_agent
from colloquy.agent.respond.base import ReplyStream
from colloquy.agent.turn import Reply, TurnContext
from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.localcall import local_call
from colloquy.agent.voice.pipeline import LatencyLedger, TurnTimings, VoiceStack
from colloquy.agent.voice.pipeline.latency import STAGES
from colloquy.agent.voice.stt import SpeechToText, Transcript, speech_to_text
from colloquy.agent.voice.tts import TextToSpeech, offline_voice
from colloquy.desk import seed_desk
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store

CALLER_LINES = (
    "Is flood damage covered by home insurance?",
    "What is a deductible?",
    "Is theft of a phone covered by my policy?",
    "Hi, I'd like to know the status of my claim.",
    "My number is 555-0100.",
    "I was born on March 12, 1984.",
    "It's CLM-2026-00002.",
    "Thank you, that is all.",
)


class StandInSTT(SpeechToText):
    """Not a model: returns the caller's lines in the order they were played."""

    name = "stand-in"

    def __init__(self, lines: Sequence[str], delay_s: float) -> None:
        self.lines = list(lines)
        self.delay_s = delay_s
        self._next = 0
        self._lock = threading.Lock()

    def transcribe(self, audio: Audio) -> Transcript:
        time.sleep(self.delay_s)
        with self._lock:
            text = self.lines[self._next % len(self.lines)]
            self._next += 1
        return Transcript(text, self.delay_s * 1e3, self.name)


class StandInTTS(TextToSpeech):
    """Not a model: a short silence per sentence, after ``delay_s``."""

    name = "stand-in"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    def synthesize(self, text: str) -> Audio:
        time.sleep(self.delay_s)
        return Audio.silence(0.2, 16000)


@dataclasses.dataclass(frozen=True)
class DelayedResponder:
    """The engine's own responder, its first sentence held back like an LLM's first token."""

    inner: object
    delay_s: float

    def respond(self, ctx: TurnContext) -> Reply:
        time.sleep(self.delay_s)
        return self.inner.respond(ctx)  # type: ignore[attr-defined,no-any-return]

    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply:
        return self.inner.regenerate(ctx, feedback)  # type: ignore[attr-defined,no-any-return]

    def stream(self, ctx: TurnContext) -> ReplyStream:
        time.sleep(self.delay_s)
        return self.inner.stream(ctx)  # type: ignore[attr-defined,no-any-return]


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _summary(turns: Sequence[TurnTimings]) -> dict[str, float]:
    totals = [t.total for t in turns]
    after_vad = [t.total - t.vad_stop for t in turns]
    out = {"turns": float(len(turns))}
    for q in (50, 95, 99):
        out[f"p{q}"] = _pct(totals, q)
        out[f"p{q}_from_vad_stop"] = _pct(after_vad, q)
    for stage in STAGES:
        out[f"median_{stage}"] = statistics.median(getattr(t, stage) for t in turns)
    return out


def _utterances(lines: Sequence[str]) -> list[Audio]:
    voice = offline_voice("espeak")
    return [voice.synthesize(line) for line in lines]


async def _calls(
    make_stack: Callable[[], VoiceStack], audio: list[Audio], turns: int, concurrent: int
) -> tuple[list[TurnTimings], float, float]:
    per_call = len(audio)
    calls = max(1, -(-turns // per_call))
    ledger = LatencyLedger()
    began_cpu = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    pending = list(range(calls))

    async def worker() -> None:
        while pending:
            pending.pop()
            await local_call(make_stack(), audio, ledger=ledger, fast_speech=True)

    await asyncio.gather(*(worker() for _ in range(concurrent)))
    wall = time.perf_counter() - began
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = used.ru_utime - began_cpu.ru_utime + used.ru_stime - began_cpu.ru_stime
    return ledger.turns, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--offline-turns", type=int, default=16)
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md too")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="colloquy-voice-bench-"))
    store = Store.open(f"sqlite:///{folder / 'desk.db'}")
    seed_desk(store)
    engine = build_agent(store, SentenceEmbedder())
    delayed = AgentEngine(
        dataclasses.replace(engine.parts, responder=DelayedResponder(engine.parts.responder, 0.25))
    )
    audio = _utterances(CALLER_LINES)
    results: dict[str, dict[str, float]] = {}

    configs = {
        "overhead": lambda: VoiceStack(engine, StandInSTT(CALLER_LINES, 0.0), StandInTTS(0.0)),
        "budget": lambda: VoiceStack(delayed, StandInSTT(CALLER_LINES, 0.15), StandInTTS(0.1)),
    }
    if not args.skip_offline:
        whisper = speech_to_text("whisper", folder / "models")
        piper = offline_voice("piper")
        configs = {"offline": lambda: VoiceStack(engine, whisper, piper), **configs}
    for name, make in configs.items():
        turns = args.offline_turns if name == "offline" else args.turns
        timings, wall, cpu = asyncio.run(_calls(make, audio, turns, 1))
        results[name] = {**_summary(timings), "cpu_s_per_call_minute": 60 * cpu / wall}
        print(name, json.dumps({k: round(v, 1) for k, v in results[name].items()}), flush=True)
    for concurrent in (5, 10):
        timings, wall, cpu = asyncio.run(
            _calls(configs["budget"], audio, max(args.turns, concurrent * len(audio)), concurrent)
        )
        results[f"budget_x{concurrent}"] = {
            **_summary(timings),
            "cpu_s_per_call_minute": 60 * cpu / wall / concurrent,
        }
        print(
            concurrent,
            json.dumps({k: round(v, 1) for k, v in results[f"budget_x{concurrent}"].items()}),
            flush=True,
        )
    engine.parts.tools.close()

    rows = [
        (
            name,
            int(r["turns"]),
            *(f"{r[f'p{q}']:.0f}" for q in (50, 95, 99)),
            *(f"{r[f'p{q}_from_vad_stop']:.0f}" for q in (50, 95)),
            *(f"{r[f'median_{s}']:.0f}" for s in STAGES),
            f"{r['cpu_s_per_call_minute']:.1f}",
        )
        for name, r in results.items()
    ]
    table = markdown_table(
        [
            "config",
            "turns",
            "P50 ms",
            "P95 ms",
            "P99 ms",
            "P50 after VAD stop",
            "P95 after VAD stop",
            *(f"median {s}" for s in STAGES),
            "CPU s / call-min",
        ],
        rows,
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "voice.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.write:
        write_section(
            "voice",
            "Voice latency (end of speech → first agent audio)",
            "python -m benchmarks.voice",
            table,
            {"results": results},
        )


if __name__ == "__main__":
    main()
