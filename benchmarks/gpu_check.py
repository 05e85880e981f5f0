"""GPU check: contrastive training steps and sentence encoding, on the CPU and on CUDA.

Run on a machine with a CUDA GPU and a CUDA build of torch. It fine-tunes
all-MiniLM-L6-v2 with :class:`~colloquy.models.contrastive.ContrastiveTrainer` for one
epoch on ``--train`` BANKING77 texts (or synthetic sentences when the dataset is absent)
and encodes ``--texts`` texts with :class:`~colloquy.features.embeddings.SentenceEmbedder`,
once with ``device="cpu"`` and once with ``device="cuda"`` (float16 autocast and a gradient
scaler in training), and writes a Markdown table of steps per second, texts per second
and the speed-up to ``--output``. It also loads each trained encoder on the CPU and
embeds a few texts with it: a model trained on the GPU must serve where there is none.

Without a GPU it measures nothing: it says so and exits with status 0.

    .venv/bin/python -m benchmarks.gpu_check --output benchmarks/results/gpu_check.md
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SUBJECTS = ("my card", "the transfer", "a refund", "the app", "my PIN", "the exchange rate")
PROBLEMS = ("has not arrived", "failed twice", "is wrong", "was declined", "is blocked")


@dataclass(frozen=True)
class Timing:
    """One device's measurements."""

    device: str
    train_steps: int
    train_seconds: float
    texts: int
    encode_seconds: float

    @property
    def steps_per_second(self) -> float:
        return self.train_steps / self.train_seconds

    @property
    def texts_per_second(self) -> float:
        return self.texts / self.encode_seconds


def labelled_texts(limit: int) -> tuple[list[str], list[str]]:
    """BANKING77 training texts when the dataset is there, else templated sentences."""
    path = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "banking77" / "train.csv"
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))[:limit]
        return [row["text"] for row in rows], [row["category"] for row in rows]
    texts, labels = [], []
    for index in range(limit):
        subject = SUBJECTS[index % len(SUBJECTS)]
        problem = PROBLEMS[(index // len(SUBJECTS)) % len(PROBLEMS)]
        texts.append(f"{subject} {problem} (case {index})")
        labels.append(subject)
    return texts, labels


def measure(device: str, texts: list[str], labels: list[str], encode_count: int) -> Timing:
    """One epoch of contrastive training and one encoding pass on ``device``."""
    import torch

    from colloquy.features.embeddings import SentenceEmbedder
    from colloquy.models.contrastive import ContrastiveConfig, ContrastiveTrainer
    from colloquy.models.contrastive.encoder import encode, load_model

    config = ContrastiveConfig(epochs=1, batch_size=32, max_seq_length=64)
    with tempfile.TemporaryDirectory(prefix=f"gpu-check-{device}-") as folder:
        trainer = ContrastiveTrainer(MODEL, config, Path(folder), device=device)
        started = time.perf_counter()
        result = trainer.fit(texts, labels)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        train_seconds = time.perf_counter() - started
        steps = result.history[0].steps
        on_cpu = encode(load_model(result.model_dir, "cpu"), texts[:8])
        if on_cpu.shape[0] != 8 or not bool(torch.isfinite(on_cpu).all()):
            raise RuntimeError(f"the encoder trained on {device} does not embed on the CPU")
    embedder = SentenceEmbedder(MODEL, device=device)
    corpus = (texts * (encode_count // max(1, len(texts)) + 1))[:encode_count]
    embedder.encode(corpus[:64])
    started = time.perf_counter()
    embedder.encode(corpus)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return Timing(device, steps, train_seconds, len(corpus), time.perf_counter() - started)


def table(cpu: Timing, cuda: Timing, name: str) -> str:
    rows = [
        "| measure | cpu | cuda | speed-up |",
        "|---|---:|---:|---:|",
        f"| contrastive training, steps/s ({cpu.train_steps} steps of 32 pairs) | "
        f"{cpu.steps_per_second:.2f} | {cuda.steps_per_second:.2f} | "
        f"{cuda.steps_per_second / cpu.steps_per_second:.1f}x |",
        f"| encoding, texts/s ({cpu.texts} texts) | {cpu.texts_per_second:.0f} | "
        f"{cuda.texts_per_second:.0f} | {cuda.texts_per_second / cpu.texts_per_second:.1f}x |",
    ]
    return f"GPU: {name}\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000, help="training texts")
    parser.add_argument("--texts", type=int, default=20000, help="texts to encode")
    parser.add_argument("--output", type=Path, default=Path("gpu_check.md"))
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print(
            f"no CUDA GPU visible to torch {torch.__version__} (CUDA build: "
            f"{torch.version.cuda or 'none'}); nothing measured, nothing written"
        )
        return 0
    texts, labels = labelled_texts(args.train)
    cpu = measure("cpu", texts, labels, args.texts)
    cuda = measure("cuda", texts, labels, args.texts)
    report = table(cpu, cuda, torch.cuda.get_device_name(0))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
