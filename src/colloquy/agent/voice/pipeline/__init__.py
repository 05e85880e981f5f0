"""The voice pipeline on Pipecat: turn detection, speech, the journey, latency per stage."""

from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger, TurnTimings, VoiceMetrics
from colloquy.agent.voice.pipeline.sink import AudioSink, BufferSink, RtpSink

__all__ = [
    "AudioSink",
    "BufferSink",
    "CallRecord",
    "LatencyLedger",
    "RtpSink",
    "TurnTimings",
    "VoiceMetrics",
    "VoiceStack",
    "run_call",
]
