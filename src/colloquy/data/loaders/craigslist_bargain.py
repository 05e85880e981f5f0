"""CraigslistBargain: buyer/seller price negotiations over real Craigslist listings.

PATH is the craigslist_bargain folder (every ``train.json``, ``dev.json`` and ``test.json``
found there, in that order) or one of those files. Each file is one JSON list of dialogues
``{uuid, scenario_uuid, agents, scenario, events, outcome}``; ``dev.json`` is 2.3 MB, so
``json.load`` is fine, and the list has no line structure to stream anyway.

Format notes, and why the code looks the way it does:

* ``events`` mix chat ``message`` events with structured ``offer`` / ``accept`` / ``reject``
  / ``quit`` events. Every event becomes a turn, in order. Structured events get an empty
  text, one :class:`DialogueAct` (``OFFER`` with ``slot="price"`` and ``values=(price,)``,
  ``ACCEPT``, ``REJECT``, ``QUIT``) and ``extra={"event": action}``. They reveal the
  outcome, so feature code must drop turns whose ``extra`` has ``"event"`` before using
  text; message turns carry no ``"event"`` key.
* ``agent`` is an index into ``scenario.kbs``, whose ``personal.Role`` says who is who:
  the buyer is the customer and the seller the agent (``speaker_id`` ``"buyer"`` /
  ``"seller"``).
* ``time`` and ``start_time`` are unix seconds *as strings*; ``time`` becomes the turn
  timestamp (UTC) and the first event's ``start_time`` (else ``time``) ``started_at``.
* The buyer's kb shows a shortened description; the seller's kb holds the full listing,
  so listing price, title and description come from the seller's kb.
* ``outcome.reward`` is 1 for an accepted deal. ``outcome.offer`` is the last offer on the
  table (also present for some failed negotiations) or ``null``; its price may be ``null``
  when the offer form was submitted empty.

json.load reports no line numbers for records, so problems with a dialogue name its
position in the list and its uuid; invalid JSON is reported at the decoder's line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from colloquy.data.loaders.base import Loader
from colloquy.schema import Conversation, DialogueAct, Outcome, Speaker, Turn
from colloquy.schema.conversation import EVENT_KEY, JsonValue

SPLITS = ("train", "dev", "test")

_SPEAKERS = {"buyer": Speaker.CUSTOMER, "seller": Speaker.AGENT}
_ACTS = {"offer": "OFFER", "accept": "ACCEPT", "reject": "REJECT", "quit": "QUIT"}


class _BadDialogueError(ValueError):
    """A dialogue that cannot become a conversation; the message says why."""


@dataclass(frozen=True, slots=True)
class DealQuality:
    """How good an agreed price is, from two points of view."""

    price: float
    listing_ratio: float | None
    """Agreed price / listing price (``None`` if the listing price is unknown or 0)."""
    target_position: float | None
    """0 at the buyer's target, 1 at the seller's target (may fall outside 0..1)."""


def deal_quality(conversation: Conversation) -> DealQuality | None:
    """The agreed price relative to the listing and to both targets; ``None`` without a deal.

    Pure: reads only ``outcome`` and ``metadata`` of a conversation this loader produced.
    """
    outcome = conversation.outcome
    if outcome is None or outcome.converted is not True or outcome.value is None:
        return None
    price = outcome.value
    listing = _as_number(conversation.metadata.get("listing_price"))
    buyer = _as_number(conversation.metadata.get("buyer_target"))
    seller = _as_number(conversation.metadata.get("seller_target"))
    ratio = price / listing if listing else None
    position = None
    if buyer is not None and seller is not None and seller != buyer:
        position = (price - buyer) / (seller - buyer)
    return DealQuality(price=price, listing_ratio=ratio, target_position=position)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _BadDialogueError(f"{what} must be an object, found {type(value).__name__}")
    return value


def _price(value: object, what: str) -> float | None:
    if value is None:
        return None
    number = _as_number(value)
    if number is None:
        raise _BadDialogueError(f"{what} must be a number or null, found {value!r}")
    return number


def _timestamp(value: object, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(value)
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise _BadDialogueError(f"{what} must be unix seconds, found {value!r}") from None


def _roles(scenario: Mapping[str, Any]) -> list[str]:
    """The role (``buyer``/``seller``) of each agent index."""
    kbs = scenario.get("kbs")
    if not isinstance(kbs, list) or len(kbs) != 2:
        raise _BadDialogueError("scenario.kbs must be a list of two knowledge bases")
    roles = [_mapping(_mapping(kb, "kb").get("personal"), "kb.personal").get("Role") for kb in kbs]
    if sorted(str(r) for r in roles) != ["buyer", "seller"]:
        raise _BadDialogueError(f"kb roles must be one buyer and one seller, found {roles!r}")
    return [str(r) for r in roles]


def _metadata(scenario: Mapping[str, Any], roles: list[str]) -> dict[str, JsonValue]:
    kbs = [_mapping(kb, "kb") for kb in scenario["kbs"]]
    personal = {
        role: _mapping(kb["personal"], "kb.personal") for role, kb in zip(roles, kbs, strict=True)
    }
    item = _mapping(kbs[roles.index("seller")].get("item"), "seller kb.item")
    description = item.get("Description") or []
    if not isinstance(description, list):
        raise _BadDialogueError("item.Description must be a list of lines")
    metadata: dict[str, JsonValue] = {
        "category": scenario.get("category"),
        "listing_price": _price(item.get("Price"), "item.Price"),
        "title": item.get("Title"),
        "description": "\n".join(str(line) for line in description),
        "buyer_target": _price(personal["buyer"].get("Target"), "buyer Target"),
        "seller_target": _price(personal["seller"].get("Target"), "seller Target"),
        "post_id": scenario.get("post_id"),
    }
    for role in ("buyer", "seller"):
        bottomline = _price(personal[role].get("Bottomline"), f"{role} Bottomline")
        if bottomline is not None:
            metadata[f"{role}_bottomline"] = bottomline
    return metadata


def _event_turn(index: int, event: object, roles: list[str]) -> Turn:
    event = _mapping(event, f"event {index}")
    agent = event.get("agent")
    if agent not in (0, 1) or isinstance(agent, bool):
        raise _BadDialogueError(f"event {index}: agent must be 0 or 1, found {agent!r}")
    role = roles[int(agent)]
    action = event.get("action")
    data = event.get("data")
    common: dict[str, Any] = {
        "index": index,
        "speaker": _SPEAKERS[role],
        "speaker_id": role,
        "timestamp": _timestamp(event.get("time"), f"event {index} time"),
    }
    if action == "message":
        if not isinstance(data, str):
            raise _BadDialogueError(f"event {index}: message data must be text, found {data!r}")
        return Turn(text=data, **common)
    if action not in _ACTS:
        raise _BadDialogueError(f"event {index}: unknown action {action!r}")
    act = DialogueAct(act=_ACTS[action])
    if action == "offer":
        price = _price(_mapping(data, f"event {index} offer data").get("price"), "offer price")
        act = DialogueAct(act="OFFER", slot="price", values=(price,))
    return Turn(text="", dialogue_acts=(act,), extra={EVENT_KEY: action}, **common)


def _outcome(raw: object, listing: JsonValue) -> tuple[bool, Outcome]:
    outcome = _mapping(raw, "outcome")
    reward = outcome.get("reward")
    if reward not in (0, 1) or isinstance(reward, bool):
        raise _BadDialogueError(f"outcome.reward must be 0 or 1, found {reward!r}")
    deal = reward == 1
    offer = outcome.get("offer")
    price = None
    if offer is not None:
        price = _price(_mapping(offer, "outcome.offer").get("price"), "outcome.offer.price")
    notes = None
    if price is not None and isinstance(listing, float) and listing > 0:
        kind = "agreed price" if deal else "last offer"
        notes = f"{kind} {price:g} is {price / listing:.3f} of the listing price {listing:g}"
    return deal, Outcome(converted=deal, value=price, notes=notes)


class CraigslistBargainLoader(Loader):
    name = "craigslist_bargain"
    description = "CraigslistBargain buyer/seller negotiations with offers and deal outcome (JSON)"
    layout = "the craigslist_bargain folder with dev.json (train.json, test.json), or one file"

    def _load(self, path: Path) -> Iterator[Conversation]:
        files = [path / f"{split}.json" for split in SPLITS] if path.is_dir() else [path]
        found = [f for f in files if f.is_file()]
        if not found:
            self.problem(path, None, f"no {', '.join(f'{s}.json' for s in SPLITS)} in {path}")
            return
        for file in found:
            yield from self._load_file(file)

    def _load_file(self, file: Path) -> Iterator[Conversation]:
        self.note_file(file)
        try:
            with file.open(encoding="utf-8") as handle:
                dialogues = json.load(handle)
        except json.JSONDecodeError as exc:
            self.problem(file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
            return
        except UnicodeDecodeError as exc:
            self.problem(file, None, f"not UTF-8 text: {exc}")
            return
        if not isinstance(dialogues, list):
            self.problem(
                file, 1, f"expected a JSON list of dialogues, found {type(dialogues).__name__}"
            )
            return
        for position, raw in enumerate(dialogues):
            try:
                yield self._conversation(raw, file.stem)
            except (_BadDialogueError, ValidationError) as exc:
                uuid = raw.get("uuid") if isinstance(raw, Mapping) else None
                self.problem(file, None, f"dialogue #{position} (uuid {uuid}): {exc}")

    def _conversation(self, raw: object, split: str) -> Conversation:
        dialogue = _mapping(raw, "dialogue")
        uuid = dialogue.get("uuid")
        if not isinstance(uuid, str) or not uuid:
            raise _BadDialogueError(f"uuid must be a non-empty string, found {uuid!r}")
        scenario = _mapping(dialogue.get("scenario"), "scenario")
        roles = _roles(scenario)
        metadata = _metadata(scenario, roles)
        metadata.update({"scenario_uuid": dialogue.get("scenario_uuid"), "split": split})
        events = dialogue.get("events")
        if not isinstance(events, list):
            raise _BadDialogueError("events must be a list")
        turns = tuple(_event_turn(i, event, roles) for i, event in enumerate(events))
        deal, outcome = _outcome(dialogue.get("outcome"), metadata["listing_price"])
        return Conversation(
            id=uuid,
            source=self.name,
            channel="negotiation",
            started_at=_started_at(events),
            turns=turns,
            metadata=metadata,
            outcome=outcome,
            labels={"deal": deal, "category": metadata["category"]},
        )


def _started_at(events: list[Any]) -> datetime | None:
    if not events or not isinstance(events[0], Mapping):
        return None
    first = events[0]
    start = first.get("start_time") or first.get("time")
    return _timestamp(start, "event 0 start_time")
