"""``colloquy agent voice``: the agent on the phone (SIP) and a local test call."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table, stderr, stdout

if TYPE_CHECKING:
    from colloquy.agent.engine.engine import AgentEngine
    from colloquy.agent.voice.config import VoiceSettings
    from colloquy.agent.voice.sip.register import Account
    from colloquy.config.settings import Settings
    from colloquy.storage.store import Store

app = typer.Typer(help="Talk to the agent by voice: a SIP server or a local test call.")

SttOption = Annotated[
    str | None,
    typer.Option(
        "--stt",
        help="Speech-to-text: whisper | pocketsphinx (offline) | openai | elevenlabs "
        "(cloud, keyed by voice.<provider>.api_key); default voice.stt.",
    ),
]
TtsOption = Annotated[
    str | None,
    typer.Option(
        "--tts",
        help="Text-to-speech: piper | espeak (offline) | openai | cartesia | elevenlabs | "
        "deepgram (cloud, keyed by voice.<provider>.api_key); default voice.tts.",
    ),
]

SIP_PASSWORD_ENV = "COLLOQUY_VOICE__SIP_PASSWORD"


STAGE_LABELS = {
    "vad_stop": "vad stop",
    "turn_decision": "turn",
    "llm_first_token": "llm 1st",
    "tts_first_audio": "tts",
    "first_packet": "1st packet",
}


def _voice_settings(settings: Settings) -> VoiceSettings:
    return settings.voice


def _engine(ctx: typer.Context, store: Store) -> AgentEngine:
    from colloquy.agent.engine.factory import build_agent, options_from_settings
    from colloquy.desk import desk_is_seeded
    from colloquy.features.embeddings import SentenceEmbedder

    if not desk_is_seeded(store):
        raise UsageError(
            "the claims desk in this store is empty",
            hint="run `colloquy agent seed` first (demonstration customers, claims, articles)",
        )
    return build_agent(store, SentenceEmbedder(), options_from_settings(state(ctx).settings))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


@app.command("serve")
def serve(
    ctx: typer.Context,
    sip_port: Annotated[
        int | None, typer.Option("--sip-port", help="UDP port for SIP; default voice.sip_port.")
    ] = None,
    ws_port: Annotated[
        int | None,
        typer.Option(
            "--ws-port",
            help="Also serve Twilio and Telnyx media streams on ws://HOST:PORT/twilio and "
            "/telnyx; default voice.ws_port.",
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "0.0.0.0",
    advertise: Annotated[
        str,
        typer.Option("--advertise", help="Address phones reach this server at (Contact, SDP)."),
    ] = "127.0.0.1",
    rtp_ports: Annotated[
        str, typer.Option("--rtp-ports", help="Media port range FIRST-LAST.")
    ] = "20000-29999",
    recordings: Annotated[
        str | None,
        typer.Option(
            "--recordings",
            help="Where each call's audio and transcript go: a folder or s3://BUCKET/PREFIX; "
            "default voice.recordings, else <home>/voice/calls.",
        ),
    ] = None,
    s3_endpoint: Annotated[
        str | None,
        typer.Option(
            "--s3-endpoint",
            help="Endpoint URL of an S3-compatible store (MinIO, Ceph…); default "
            "voice.s3_endpoint. Credentials are read as boto3 reads them (AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY, ~/.aws).",
        ),
    ] = None,
    calls_dataset: Annotated[
        str | None,
        typer.Option(
            "--calls-dataset",
            help="Dataset each call is stored in as a conversation (for colloquy analyze); "
            "default voice.calls_dataset (voice_calls).",
        ),
    ] = None,
    conversion_model: Annotated[
        str | None,
        typer.Option(
            "--conversion-model",
            help="Score each call after every turn: a conversion model directory, NAME@ALIAS "
            "or NAME/VERSION of the model registry; default voice.conversion_model.",
        ),
    ] = None,
    register: Annotated[
        str | None,
        typer.Option(
            "--register",
            help="Register with a PBX or SIP trunk as sip:USER@REGISTRAR[:PORT] while serving; "
            f"default voice.sip_account. The password is voice.sip_password (${SIP_PASSWORD_ENV}).",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve Prometheus metrics (stage timings, conversion scores) on "
            "http://HOST:PORT/metrics.",
        ),
    ] = None,
    stt: SttOption = None,
    tts: TtsOption = None,
) -> None:
    """Answer SIP calls with the agent until interrupted (Ctrl-C)."""
    from colloquy.agent.voice.calls.archive import CallArchive
    from colloquy.agent.voice.calls.scoring import ScoringMetrics
    from colloquy.agent.voice.calls.stores import open_recording_store
    from colloquy.agent.voice.pipeline.latency import LatencyLedger, VoiceMetrics
    from colloquy.agent.voice.server import VoiceServer
    from colloquy.agent.voice.setup import speech_choice, voice_stack
    from colloquy.agent.voice.sip.ua import SipConfig

    first, _, last = rtp_ports.partition("-")
    if not (first.isdigit() and last.isdigit() and int(first) < int(last)):
        raise UsageError(f"bad --rtp-ports {rtp_ports!r}", hint="give FIRST-LAST, e.g. 20000-20999")
    cli = state(ctx)
    voice = _voice_settings(cli.settings)
    account = _account(register or voice.sip_account, voice)
    recordings_store = open_recording_store(
        recordings or voice.recordings or cli.settings.resolved_home / "voice" / "calls",
        endpoint_url=s3_endpoint or voice.s3_endpoint,
    )
    dataset = calls_dataset or voice.calls_dataset
    model_reference = conversion_model or voice.conversion_model
    metrics = VoiceMetrics()
    scorer = None
    if model_reference is not None:
        from colloquy.agent.voice.calls.scoring import load_call_scorer

        with stderr.status("loading the conversion model…"):
            scorer = load_call_scorer(
                model_reference, cli.settings, metrics=ScoringMetrics(metrics.registry)
            )
    with cli.open_store() as store:
        engine = _engine(ctx, store)
        with stderr.status("loading the speech models…"):
            stack = voice_stack(
                engine,
                cli.settings.resolved_home / "models" / "voice",
                speech_choice(voice, stt, tts),
            )
        config = SipConfig(
            host=host,
            port=voice.sip_port if sip_port is None else sip_port,
            advertised_host=advertise,
            rtp_ports=range(int(first), int(last) + 1),
        )
        archive = CallArchive(recordings_store, store, dataset, scorer)

        async def main() -> None:
            server = VoiceServer(
                stack, config, LatencyLedger(metrics), archive=archive, account=account
            )
            port = await server.start()
            stderr.print(f"SIP on udp/{host}:{port}; call sip:agent@{advertise}:{port}")
            exporter = None
            if metrics_port is not None:
                from prometheus_client import start_http_server

                exporter, _ = start_http_server(metrics_port, addr=host, registry=metrics.registry)
                stderr.print(f"Prometheus metrics on http://{advertise}:{metrics_port}/metrics")
            stderr.print(
                f"recordings to {recordings_store.location('')}; calls stored in dataset "
                f"{dataset!r}" + (f"; scored live by {scorer.name}" if scorer else "")
            )
            if account is not None:
                _report_registration(account, await server.first_registration())
            web_runner = None
            web_port = voice.ws_port if ws_port is None else ws_port
            if web_port is not None:
                from aiohttp import web

                from colloquy.agent.voice.websocket import MediaStreamServer

                streams = MediaStreamServer(stack, server.ledger, archive=server.archive)
                web_runner = web.AppRunner(streams.app())
                await web_runner.setup()
                await web.TCPSite(web_runner, host, web_port).start()
                stderr.print(
                    f"Twilio and Telnyx media streams on ws://{advertise}:{web_port}/twilio "
                    "and /telnyx"
                )
            try:
                await asyncio.Event().wait()
            finally:
                await server.stop()
                if web_runner is not None:
                    await web_runner.cleanup()
                if exporter is not None:
                    exporter.shutdown()

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            stderr.print("stopped")
        finally:
            engine.parts.tools.close()
            if scorer is not None:
                scorer.close()


def _account(register: str | None, voice: VoiceSettings) -> Account | None:
    """The PBX account to register as, its password from the settings (never an option)."""
    if register is None:
        return None
    from colloquy.agent.voice.sip.register import parse_account

    if voice.sip_password is None:
        raise UsageError(
            f"registering as {register} needs the account's password in voice.sip_password",
            hint=f"export {SIP_PASSWORD_ENV}=… (empty for a registrar that does not "
            "authenticate); it is never taken from the command line, where ps shows it",
        )
    return parse_account(register, voice.sip_password.get_secret_value())


def _report_registration(account: Account, status: int | None) -> None:
    registrar = f"{account.registrar[0]}:{account.registrar[1]}"
    if status == 200:
        stderr.print(f"registered as {account.aor} with {registrar}")
        return
    why = {
        None: "no answer yet",
        0: "no answer",
        401: "refused the credentials",
        403: "refused the credentials",
        404: "does not know the user",
    }.get(status, f"answered {status}")
    stderr.print(
        f"[yellow]registration with {registrar} failed: {why}[/] — check the user, "
        f"${SIP_PASSWORD_ENV} and --advertise; retrying in the background"
    )


@app.command("call")
def call(
    ctx: typer.Context,
    caller: Annotated[
        str,
        typer.Argument(
            help="A WAV file of the caller, a text file (one caller line per line), or the "
            "caller's lines as text separated by '|'."
        ),
    ],
    stt: SttOption = None,
    tts: TtsOption = None,
    caller_voice: Annotated[
        str, typer.Option("--caller-voice", help="TTS that speaks the caller: piper | espeak.")
    ] = "piper",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """A local test call: the caller's speech goes through the whole voice pipeline."""
    from colloquy.agent.voice.audio import read_wav
    from colloquy.agent.voice.localcall import local_call
    from colloquy.agent.voice.pipeline.latency import STAGES
    from colloquy.agent.voice.setup import speech_choice, voice_stack
    from colloquy.agent.voice.tts import offline_voice

    cli = state(ctx)
    path = Path(caller)
    with cli.open_store() as store:
        engine = _engine(ctx, store)
        with stderr.status("loading the speech models…"):
            stack = voice_stack(
                engine,
                cli.settings.resolved_home / "models" / "voice",
                speech_choice(_voice_settings(cli.settings), stt, tts),
            )
            if _is_file(path) and path.suffix.lower() == ".wav":
                utterances = [read_wav(path)]
            else:
                text = path.read_text(encoding="utf-8") if _is_file(path) else caller
                lines = [ln.strip() for ln in text.replace("|", "\n").splitlines() if ln.strip()]
                if not lines:
                    raise UsageError(
                        "no caller lines given", hint="give text, a text file or a WAV"
                    )
                voice = offline_voice(caller_voice)
                utterances = [voice.synthesize(line) for line in lines]
        try:
            with stderr.status("calling…"):
                record, _ = asyncio.run(local_call(stack, utterances))
        finally:
            engine.parts.tools.close()
    if fmt is OutputFormat.JSON:
        print_json(
            {
                "session_id": record.session_id,
                "lines": [
                    {
                        "role": ln.role,
                        "turn": ln.turn,
                        "text": ln.text,
                        "interrupted": ln.interrupted,
                    }
                    for ln in record.lines
                ],
                "turns": [
                    {
                        "turn": t.turn,
                        **{k: round(v, 1) for k, v in t.stages().items()},
                        "total": round(t.total, 1),
                    }
                    for t in record.turns
                ],
            }
        )
        return
    for line in record.lines:
        who = "[bold green]agent>[/]" if line.role == "agent" else "[bold cyan]caller>[/]"
        stdout.print(f"{who} {line.text}")
    print_table(
        "stage timings (ms)",
        ["turn", *(STAGE_LABELS.get(stage, stage) for stage in STAGES), "total"],
        [
            (
                t.turn,
                *(f"{v:.0f}" for v in t.stages().values()),
                f"{t.total:.0f}",
            )
            for t in record.turns
        ],
    )
