"""What the voice server keeps of each call: recordings, conversations and conversion scores.

Only the recording stores are exported here; the archive and the scorer import the voice
pipeline and the models, so they are imported from their own modules when wanted.
"""

from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.agent.voice.calls.local import LocalRecordingStore
from colloquy.agent.voice.calls.stores import open_recording_store

__all__ = ["LocalRecordingStore", "RecordingStore", "open_recording_store"]
