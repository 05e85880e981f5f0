"""Sets written in one order, so equal records give byte-equal payloads in any process.

Pydantic writes a ``frozenset`` field as a JSON list in the set's iteration order, which
follows string hashes and so changes from one process to the next (``PYTHONHASHSEED``).
:func:`sort_sets` walks a record's JSON-mode dump beside the record's type hints and
sorts exactly the lists that came from sets; subtrees whose types hold no set are not
visited, so a record without sets costs one cached lookup.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import orjson

_SETS = (set, frozenset)
_SEQUENCES = (list, tuple)


def sort_sets(hint: Any, value: Any) -> Any:
    """``value``, the JSON-mode dump of a value typed ``hint``, with set-typed lists sorted."""
    if value is None or not holds_set(hint):
        return value
    origin = get_origin(hint)
    args = get_args(hint)
    if origin is Annotated:
        return sort_sets(args[0], value)
    if hint in _SETS or origin in _SETS:
        items = [sort_sets(args[0], item) for item in value] if args else list(value)
        return sorted(items, key=_order)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = _hints(hint)
        return {
            key: sort_sets(fields[key], item) if key in fields else item
            for key, item in value.items()
        }
    if origin in _SEQUENCES:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [sort_sets(arg, item) for arg, item in zip(args, value, strict=False)]
        return [sort_sets(args[0], item) for item in value]
    if origin is dict or origin is Mapping:
        return {key: sort_sets(args[1], item) for key, item in value.items()}
    if origin is Union or origin is types.UnionType:
        for arg in args:
            if holds_set(arg) and _fits(arg, value):
                return sort_sets(arg, value)
    return value


def holds_set(hint: Any) -> bool:
    """Whether a value typed ``hint`` can hold a set anywhere inside it."""
    return _holds_cached(hint)


@cache
def _holds_cached(hint: Any) -> bool:
    return _holds(hint, frozenset())


def _holds(hint: Any, seen: frozenset[Any]) -> bool:
    if hint in seen:
        return False
    if hint in _SETS or get_origin(hint) in _SETS:
        return True
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        inner = seen | {hint}
        return any(_holds(field, inner) for field in _hints(hint).values())
    return any(_holds(arg, seen) for arg in get_args(hint) if arg is not Ellipsis)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, include_extras=True)


def _fits(hint: Any, value: Any) -> bool:
    """Whether a union member ``hint`` can be what ``value`` was dumped from."""
    origin = get_origin(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, dict) and set(value) <= set(_hints(hint))
    if hint in _SETS or origin in _SETS or origin in _SEQUENCES:
        return isinstance(value, list)
    if origin is dict or origin is Mapping:
        return isinstance(value, dict)
    return True


def _order(item: Any) -> bytes:
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
