"""Transcript format families, one module each, all read into :class:`Cue` records."""

from colloquy.data.loaders.transcript_formats.cues import Cue, CueProblem, Label

__all__ = ["Cue", "CueProblem", "Label"]
