"""PII masking: precision and recall per kind, and speed, against presidio-analyzer.

Both maskers are scored on the same labelled cases in the same run: the independent set
(``tests/unit/data/pii_independent.jsonl``, written from the formats' specifications before
the detector was tuned) and the original set (``pii_cases.jsonl``, which the first detector was
tuned on). Speed is texts per second over the twitter_support texts that the ingest benchmark
masks. presidio-analyzer (the ``bench`` extra) runs its pattern recognisers directly, without
a spaCy model, so without its NLP context enhancement; its entities are mapped to colloquy's
kinds. When presidio is not installed its columns say so.
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks._report import ROOT, datasets_dir, markdown_table, write_section
from colloquy.data.pii import PiiKind, PiiSpan, detect_pii
from colloquy.data.pii_eval import MICRO, KindScores, evaluate_pii, load_pii_cases

SETS = {
    "independent": ROOT / "tests" / "unit" / "data" / "pii_independent.jsonl",
    "original": ROOT / "tests" / "unit" / "data" / "pii_cases.jsonl",
}
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": PiiKind.EMAIL,
    "PHONE_NUMBER": PiiKind.PHONE,
    "CREDIT_CARD": PiiKind.CARD,
    "IBAN_CODE": PiiKind.IBAN,
    "IP_ADDRESS": PiiKind.IP,
    "US_SSN": PiiKind.NATIONAL_ID,
    "UK_NHS": PiiKind.NATIONAL_ID,
    "CA_SIN": PiiKind.NATIONAL_ID,
    "ES_NIF": PiiKind.NATIONAL_ID,
    "ES_NIE": PiiKind.NATIONAL_ID,
    "IT_FISCAL_CODE": PiiKind.NATIONAL_ID,
    "MAC_ADDRESS": PiiKind.MAC,
}
Detector = Callable[[str], Iterable[PiiSpan]]


def presidio_detector() -> Detector | None:
    """presidio's pattern recognisers for colloquy's kinds, or None when it is not installed."""
    try:
        from presidio_analyzer import predefined_recognizers as recognizers
    except ImportError:
        return None
    # tldextract (under the email recogniser) tries to download the public-suffix list and
    # logs a traceback offline before falling back to its bundled copy.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    instances = [
        recognizers.EmailRecognizer(),
        recognizers.PhoneRecognizer(),
        recognizers.CreditCardRecognizer(),
        recognizers.IbanRecognizer(),
        recognizers.IpRecognizer(),
        recognizers.UsSsnRecognizer(),
        recognizers.NhsRecognizer(),
        recognizers.CaSinRecognizer(),
        recognizers.EsNifRecognizer(),
        recognizers.EsNieRecognizer(),
        recognizers.ItFiscalCodeRecognizer(),
        recognizers.MacAddressRecognizer(),
    ]

    def detect(text: str) -> list[PiiSpan]:
        found = []
        for recognizer in instances:
            # Pattern recognisers read no NLP artifacts; presidio's annotation omits None
            # (and without presidio installed, as under CI, the module is untyped).
            entities = recognizer.supported_entities
            results = recognizer.analyze(text, entities, None)  # type: ignore[arg-type, unused-ignore]
            for result in results:
                kind = PRESIDIO_KINDS.get(result.entity_type)
                if kind is not None:
                    found.append((result.score, result.end - result.start, kind, result))
        kept: list[PiiSpan] = []
        for _, _, kind, result in sorted(found, key=lambda item: (-item[0], -item[1])):
            if all(result.end <= span.start or result.start >= span.end for span in kept):
                kept.append(PiiSpan(kind, result.start, result.end))
        return kept

    return detect


def texts_per_second(detector: Detector, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            detector(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def twitter_texts() -> list[str]:
    path = datasets_dir() / "twitter_support" / "twcs_first5000.csv"
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [row["text"] or "" for row in csv.DictReader(handle)]


def _cell(scores: dict[str, KindScores] | None, kind: str) -> str:
    if scores is None:
        return "not installed"
    row = scores[kind]
    if row.support == 0:
        return "—"
    return f"{row.precision:.2f} / {row.recall:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    presidio = presidio_detector()
    colloquy: Detector = detect_pii
    kinds = [kind.value for kind in PiiKind] + [MICRO]
    rows: list[list[object]] = []
    result: dict[str, Any] = {"sets": {}}
    for name, path in SETS.items():
        cases = load_pii_cases(path)
        ours = evaluate_pii(cases, detector=colloquy)
        theirs = evaluate_pii(cases, detector=presidio) if presidio is not None else None
        result["sets"][name] = {
            "cases": len(cases),
            "colloquy": {kind: ours[kind]._asdict() for kind in kinds},
            "presidio": {kind: theirs[kind]._asdict() for kind in kinds} if theirs else None,
        }
        for kind in kinds:
            rows.append([name, kind, ours[kind].support, _cell(ours, kind), _cell(theirs, kind)])

    texts = twitter_texts()
    speed_ours = texts_per_second(colloquy, texts, args.repeat)
    speed_theirs = texts_per_second(presidio, texts, 1) if presidio is not None else None
    result["texts_per_second"] = {"colloquy": speed_ours, "presidio": speed_theirs}
    theirs_speed = f"{speed_theirs:,.0f}" if speed_theirs is not None else "not installed"
    body = (
        "Span-level exact match, precision / recall per kind; "
        "*support* is the number of labelled spans. *independent* was written from the "
        "formats' specifications and public examples before the detector was tuned (each line "
        "records it); *original* is the set the first detector was tuned on. presidio-analyzer "
        "runs its pattern recognisers (phone, card, IBAN, IP, SSN, NHS, SIN, Spanish NIF and "
        "NIE, Italian fiscal code, MAC, email) "
        "directly, without a spaCy model and so without context enhancement. Before tuning, "
        "colloquy scored 0.94 phone precision (2 false positives: digit groups inside a "
        'mistyped IBAN and after "case") and 0.94 card recall (cards joined by a comma) on '
        "the independent set, every other kind 1.00; the independent set was then used to "
        "tune, so its 1.00 below is no longer a held-out figure. The 10 lines for Spanish, "
        "Italian and Brazilian ids (id-es-*, id-it-*, id-br-*) were written before their "
        "detector, which then found all 7 ids and none of the 3 look-alikes on its first "
        "run.\n\n"
        + markdown_table(["set", "kind", "support", "colloquy P / R", "presidio P / R"], rows)
        + f"\n\nSpeed on the {len(texts):,} twitter_support texts (detection only, best of "
        f"{args.repeat} for colloquy, one run for presidio): colloquy {speed_ours:,.0f} "
        f"texts/s, presidio {theirs_speed} texts/s."
    )
    write_section(
        "pii", "PII masking", f"python -m benchmarks.pii --repeat {args.repeat}", body, result
    )
    print(body)


if __name__ == "__main__":
    main()
