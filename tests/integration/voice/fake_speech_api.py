"""A FAKE of the hosted speech APIs (OpenAI, Cartesia, ElevenLabs, Deepgram) for tests.

The real services cannot be reached from here, so this aiohttp server on 127.0.0.1 stands
in for them, speaking each wire protocol as Pipecat's service classes use it: OpenAI's
``/v1/audio/transcriptions`` (a multipart WAV upload) and ``/v1/audio/speech`` (raw 24 kHz
PCM, streamed), Cartesia's ``/tts/bytes`` (raw PCM at the asked rate) and ElevenLabs'
``/v1/speech-to-text`` and ``/v1/text-to-speech/{voice}/stream/with-timestamps``
(newline-delimited JSON with base64 audio), Deepgram's ``/v1/speak`` (raw linear16 at the
asked rate). It checks each provider's key header. It is not a service of any of them.

It understands no speech: a transcription answers the next of the lines the test says the
caller spoke (and keeps the uploaded audio so the test can check it), and speech is made by
espeak-ng, so the agent's answer is real audio of the requested text.
"""

from __future__ import annotations

import base64
import io
import json
import wave
from dataclasses import dataclass, field

from aiohttp import web

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.tts.base import TextToSpeech

OPENAI_RATE = 24000


@dataclass
class Upload:
    provider: str
    model: str
    language: str
    audio: Audio


@dataclass
class Spoken:
    provider: str
    model: str
    voice: str
    text: str
    sample_rate: int


@dataclass
class FakeSpeechApi:
    key: str
    voice: TextToSpeech
    heard: list[str]
    uploads: list[Upload] = field(default_factory=list)
    spoken: list[Spoken] = field(default_factory=list)
    refusals: int = 0
    _runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/audio/transcriptions", self.openai_transcribe)
        app.router.add_post("/v1/audio/speech", self.openai_speech)
        app.router.add_post("/tts/bytes", self.cartesia_bytes)
        app.router.add_post("/v1/speech-to-text", self.elevenlabs_transcribe)
        app.router.add_post(
            "/v1/text-to-speech/{voice}/stream/with-timestamps", self.elevenlabs_speech
        )
        app.router.add_post("/v1/speak", self.deepgram_speak)
        return app

    async def start(self) -> str:
        """Listen on a free loopback port; returns the base URL."""
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _refused(self, given: str | None) -> web.Response | None:
        if given == self.key:
            return None
        self.refusals += 1
        return web.json_response({"error": {"message": "invalid api key"}}, status=401)

    async def _upload(self, request: web.Request, provider: str, fields: tuple[str, str]) -> str:
        form = await request.post()
        file = form["file"]
        data = file.file.read() if isinstance(file, web.FileField) else bytes(str(file), "utf-8")
        with wave.open(io.BytesIO(data), "rb") as source:
            audio = Audio(source.readframes(source.getnframes()), source.getframerate())
        model, language = (str(form.get(name, "")) for name in fields)
        self.uploads.append(Upload(provider, model, language, audio))
        return self.heard[(len(self.uploads) - 1) % len(self.heard)]

    def _speech(self, provider: str, body: dict[str, object], text: str, rate: int) -> bytes:
        model = str(body.get("model") or body.get("model_id") or "")
        voice = body.get("voice")
        name = str(voice.get("id") if isinstance(voice, dict) else voice)
        self.spoken.append(Spoken(provider, model, name, text, rate))
        return self.voice.synthesize(text).resampled(rate).pcm

    async def openai_transcribe(self, request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if refused := self._refused(bearer):
            return refused
        text = await self._upload(request, "openai", ("model", "language"))
        return web.json_response({"text": text})

    async def openai_speech(self, request: web.Request) -> web.StreamResponse:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if refused := self._refused(bearer):
            return refused
        body = await request.json()
        pcm = self._speech("openai", body, str(body["input"]), OPENAI_RATE)
        response = web.StreamResponse(headers={"Content-Type": "audio/pcm"})
        await response.prepare(request)
        for start in range(0, len(pcm), 4800):
            await response.write(pcm[start : start + 4800])
        await response.write_eof()
        return response

    async def cartesia_bytes(self, request: web.Request) -> web.Response:
        if refused := self._refused(request.headers.get("X-API-Key")):
            return refused
        body = await request.json()
        rate = int(body["output_format"]["sample_rate"])
        pcm = self._speech("cartesia", body, str(body["transcript"]), rate)
        return web.Response(body=pcm, content_type="application/octet-stream")

    async def elevenlabs_transcribe(self, request: web.Request) -> web.Response:
        if refused := self._refused(request.headers.get("xi-api-key")):
            return refused
        text = await self._upload(request, "elevenlabs", ("model_id", "language_code"))
        return web.json_response({"text": text, "language_code": "eng"})

    async def elevenlabs_speech(self, request: web.Request) -> web.StreamResponse:
        if refused := self._refused(request.headers.get("xi-api-key")):
            return refused
        body = await request.json()
        rate = int(request.query["output_format"].removeprefix("pcm_"))
        pcm = self._speech(
            "elevenlabs", {**body, "voice": request.match_info["voice"]}, str(body["text"]), rate
        )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        step = rate // 5 * 2
        for start in range(0, len(pcm), step):
            chunk = base64.b64encode(pcm[start : start + step]).decode()
            await response.write(json.dumps({"audio_base64": chunk}).encode() + b"\n")
        await response.write_eof()
        return response

    async def deepgram_speak(self, request: web.Request) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Token ")
        if refused := self._refused(token):
            return refused
        body = await request.json()
        query = request.query
        if (query.get("encoding"), query.get("container")) != ("linear16", "none"):
            return web.json_response({"err_msg": "unsupported format"}, status=400)
        rate = int(query["sample_rate"])
        pcm = self._speech("deepgram", {"voice": query.get("model", "")}, str(body["text"]), rate)
        response = web.StreamResponse(headers={"Content-Type": "audio/l16"})
        await response.prepare(request)
        # Odd-sized chunks: HTTP boundaries may fall mid-sample, as from the real service.
        for start in range(0, len(pcm), 3001):
            await response.write(pcm[start : start + 3001])
        await response.write_eof()
        return response


__all__ = ["FakeSpeechApi", "Spoken", "Upload"]
