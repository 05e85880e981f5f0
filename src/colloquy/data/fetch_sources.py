"""Where each public dataset is published: files, upstream URLs, checksums, licences.

The registry :mod:`colloquy.data.fetch` downloads from. Every file is named with its
upstream URL, pinned to a commit where one is known, and with its SHA-256 where the bytes
are known, so a changed upstream file is caught before it reaches a loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

from colloquy.errors import UsageError


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file of a dataset: where it goes, where it comes from, what it must hash to."""

    path: str
    """Relative path inside the dataset folder (and under a ``base_url`` mirror)."""
    url: str
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetSource:
    """A public dataset: its files, its licence, and anything a user must know."""

    name: str
    title: str
    license: str
    homepage: str
    files: tuple[RemoteFile, ...]
    notes: str = ""


def _github(repo: str, ref: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{ref}/{quote(path)}"


def _files(
    repo: str, ref: str, pairs: Mapping[str, str | None], prefix: str = ""
) -> tuple[RemoteFile, ...]:
    """Files at the same relative path upstream (under ``prefix``) as locally."""
    return tuple(
        RemoteFile(path, _github(repo, ref, prefix + path), sha) for path, sha in pairs.items()
    )


_BANKING77 = "PolyAI-LDN/task-specific-datasets"
_SGD = "google-research-datasets/dstc8-schema-guided-dialogue"
_SGD_COMMIT = "e852981ae34990f4358979625854259302feaa78"
_SGD_KNOWN = {
    "train/schema.json": "97b6c21673aa7e5c2d1ceef52aa35170c565223cdcbf33bb24c69739bda04a82",
    "train/dialogues_015.json": "b698e8db9b0898186453ec9fcec5f80ab043cfe301447d28dc577e99bd3acfd3",
    "train/dialogues_026.json": "2b2e2c497c870d39c575892c7aae38b08cd4e39bd3a795be1e8550330e747800",
    "train/dialogues_033.json": "74c23ae93203ed5672015ce13d01c01d80d4f3a3ccd64c8f62f52e0b7c411871",
    "train/dialogues_043.json": "98c9cc7865bc70e67123cc4e64daad8843d5750552bae2559d7bb95aae782c0a",
    "train/dialogues_065.json": "a9bd32fb9cce88b4bd0a4a11b136423401ba6e14fb5be306fe1eda9e485e8760",
    "train/dialogues_125.json": "45d59601652c9b648175125718b55e5d65b3567c09518c9d054f67bdc8b2eaba",
    "dev/schema.json": "8fee8b1211500a4a1fb071765150e3267d20148bcad72a22c04bb1fdcd649366",
    "dev/dialogues_001.json": "fe3a8ed9e160c15e20e7cfd16d03734b4473df0d3864f2ad687ea9eeee5eea52",
    "dev/dialogues_002.json": "fcbc8ba411ed8b3e0b06dff31819dc366f6bc6d228e021053920365e11004b03",
    "dev/dialogues_003.json": "5915cea36b77de920fbd66569333db2395626ec465ba23e2f0caa77fba2e5dae",
    "test/schema.json": "0b4af32e01695aec4788681fe6b22fb7ee908907269f5ac7167d01f4c4132bcb",
    "test/dialogues_001.json": "1fa13b0fe607100bc66ed15e0490df9c52a2cec087ca9733e0f506755eef0ada",
    "test/dialogues_002.json": "b3b2a2596fad9146e96e4e1aa288f975332e2c7a3153bb2379d75e8d71c35a20",
    "test/dialogues_003.json": "b595a04f7848aed76d11e82250089023e42a6e5ce047c78b8ddd0f4856dcbecb",
    "LICENSE.txt": "71a43a169b52bb1b39510b65ec5b43b4bbb59196d449a835fe58b50af6a72742",
}
_SGD_SPLITS = {"train": 127, "dev": 20, "test": 34}
"""Dialogue files per split in the full DSTC8 release."""


def _sgd_files() -> tuple[RemoteFile, ...]:
    paths = ["LICENSE.txt"]
    for split, count in _SGD_SPLITS.items():
        paths.append(f"{split}/schema.json")
        paths.extend(f"{split}/dialogues_{n:03d}.json" for n in range(1, count + 1))
    return _files(_SGD, _SGD_COMMIT, {path: _SGD_KNOWN.get(path) for path in paths})


_P4G = "ohyj1002/persuasionforgood"
_P4G_COMMIT = "3fbc0df7bd2a081413cad6e6092e7c712efc26c4"
_BITEXT = "bitext/customer-support-llm-chatbot-training-dataset"
_BITEXT_CSV = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
_CRAIGSLIST = "rishabhjoshi/DialoGraph_ICLR21"
_TWCS_MIRROR = "monalisapatra26/data_visualization"

_REGISTRY: tuple[DatasetSource, ...] = (
    DatasetSource(
        name="banking77",
        title="BANKING77: 13,083 banking queries labelled with 77 intents",
        license="CC BY 4.0",
        homepage="https://github.com/PolyAI-LDN/task-specific-datasets",
        files=_files(
            _BANKING77,
            "master",
            {
                "train.csv": "b06e26ac675513959a63135f11b94ea7786ed02da65db93a5650d8838cbc664b",
                "test.csv": "d12d6e3bc4c3103966ae786dc435913c0c563dfa328f5a3646d0e62cfeeb474d",
                "categories.json": (
                    "53261da888122daf2d120d925458631d9619e15d82e56052e7a42e535ce32b63"
                ),
            },
            prefix="banking_data/",
        ),
    ),
    DatasetSource(
        name="bitext",
        title="Bitext customer-support training sample: 4,514 requests, 27 intents",
        license="CDLA-Sharing-1.0",
        homepage="https://github.com/bitext/customer-support-llm-chatbot-training-dataset",
        files=(
            RemoteFile(
                _BITEXT_CSV,
                _github(
                    _BITEXT, "337b96868e02b40a05f9c0df3290c65a15ea573e", f"data/train/{_BITEXT_CSV}"
                ),
                "079b0cec48d34c319c9877b6d178390bf7187a7f7a604958e0ed5a096bba5af6",
            ),
            RemoteFile(
                "LICENSE.txt",
                _github(_BITEXT, "72ea2203180d14a416b579c657033ecd21e59a11", "LICENSE.txt"),
                "f6054388eae4947a769ca2020c54e6d394eb01c41d58db55bb6cfd24ce71cdd8",
            ),
        ),
        notes="The 4,514-row release from commit 337b968 (deleted upstream one commit later), "
        "not the 26,872-row v11 file.",
    ),
    DatasetSource(
        name="sgd",
        title="Schema-Guided Dialogue (DSTC8): multi-domain task-oriented dialogues",
        license="CC BY-SA 4.0",
        homepage="https://github.com/google-research-datasets/dstc8-schema-guided-dialogue",
        files=_sgd_files(),
        notes="The full release: 127/20/34 dialogue files (about 250 MB); pass only= to pick.",
    ),
    DatasetSource(
        name="twitter_support",
        title="Customer Support on Twitter (TWCS): first 5,000 tweets",
        license="CC BY-NC-SA 4.0 (non-commercial)",
        homepage="https://www.kaggle.com/datasets/thoughtvector/customer-support-on-twitter",
        files=(
            RemoteFile(
                "twcs_first5000.csv",
                _github(_TWCS_MIRROR, "40f027927281c1193b45982e5623487ad49da67e", "twcs.csv"),
                "02fe3ab3a8d27030732b6f25ef369d577ddc329fc8087ef6b25199ad0211308f",
            ),
        ),
        notes="The full 2.8M-tweet twcs.csv is on Kaggle and needs a Kaggle login "
        "(kaggle datasets download thoughtvector/customer-support-on-twitter); this fetches "
        "the public 5,000-tweet GitHub mirror. To fetch the full file from a place you can "
        "reach, pass urls={'twcs.csv': URL} with only=['twcs.csv'].",
    ),
    DatasetSource(
        name="persuasion4good",
        title="PersuasionForGood: 1,017 donation-persuasion dialogues with outcomes",
        license="Apache-2.0",
        homepage="https://gitlab.com/ucdavisnlp/persuasionforgood",
        files=(
            *_files(
                _P4G,
                _P4G_COMMIT,
                {
                    "FullData/full_dialog.csv": (
                        "3ecaa3e9f0577170b91c3306d2439c910150cf010b76e7637ef3bab724075a9f"
                    ),
                    "FullData/full_info.csv": (
                        "93be6f62d41f4925e8be21534c23cd75444e1a5d5384abe13b15eda2b37838b4"
                    ),
                    "FullData/readme.md": (
                        "ac2d2e5095ff44e0e0330f8bd9b1454124cb2d31775b4805a12b00c24d46dc24"
                    ),
                    "AnnotatedData/300_dialog.xlsx": (
                        "48e292ceb4b5574694e82581eb2a25883ce9ef75817193820dfe3c5621c62767"
                    ),
                    "AnnotatedData/300_info.xlsx": (
                        "5d07b790f7794cba6c1cb96f680ccb38053fac133077b613fa121c2588172f2f"
                    ),
                    "AnnotatedData/readme.md": (
                        "a038535ee5814310caa078bc2a1804275e5750ac538ec6c15f4ca81bb28fc40e"
                    ),
                    "persuader_scheme.docx": (
                        "b50f49982701a425adfd8f9c9b713222be2fc772e9ef324ef1ff405645d1690e"
                    ),
                    "persuadee_scheme.docx": (
                        "f06779586e0e0bc5743ea37fe38433523313b5f6bc87d051bc5be478e25ad000"
                    ),
                },
                prefix="data/",
            ),
            RemoteFile(
                "LICENSE",
                _github(_P4G, _P4G_COMMIT, "LICENSE"),
                "3a6fae17894cb2907700bb95910241bd67f921e78d6f3c75ca347fb6bd204a46",
            ),
        ),
        notes="From the GitHub mirror of the GitLab original.",
    ),
    DatasetSource(
        name="craigslist_bargain",
        title="CraigslistBargain: 643 buyer-seller negotiations (dev split) with outcomes",
        license="unknown (research data)",
        homepage="https://github.com/rishabhjoshi/DialoGraph_ICLR21",
        files=(
            RemoteFile(
                "dev.json",
                _github(
                    _CRAIGSLIST,
                    "405e047c38d5e5d3c6aba17ec1b20f18080890c7",
                    "data/negotiation_data/dev.json",
                ),
                "f666811a8a7b5e19c33cb3e4325031f6747586ba43430d208aebfae0bd4224c0",
            ),
        ),
        notes="The dev split from the DialoGraph mirror; train.json has no public copy there.",
    ),
)

DATASETS: Mapping[str, DatasetSource] = MappingProxyType({s.name: s for s in _REGISTRY})
"""Every dataset ``fetch_dataset`` knows, by name."""


def dataset_source(name: str) -> DatasetSource:
    """The registry entry for ``name``; an unknown name lists the valid ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UsageError(
            f"unknown dataset {name!r}", hint=f"valid datasets: {', '.join(sorted(DATASETS))}"
        ) from None


__all__ = ["DATASETS", "DatasetSource", "RemoteFile", "dataset_source"]
