"""Customers: look-up by id or phone, and identity verification.

Verification compares the phone number on the policy and the date of birth; it says only
whether both matched, never which one failed, so a caller cannot probe one at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from colloquy.desk.records import Customer
from colloquy.desk.rows import customer
from colloquy.errors import NotFoundError, UsageError
from colloquy.storage.desk import DeskRepository

_NON_DIGITS = re.compile(r"\D")


def normalize_phone(phone: str) -> str:
    """E.164-style digits: ``(555) 0100`` and ``+1 555-0100`` both become ``+15550100``.

    Seven- and ten-digit numbers are taken as North American and get the ``1`` prefix.
    """
    digits = _NON_DIGITS.sub("", phone)
    if len(digits) < 7 or len(digits) > 15:
        raise UsageError(
            f"phone number {phone!r} has {len(digits)} digits",
            hint="give 7 to 15 digits, e.g. +1 555 0100",
        )
    if len(digits) in (7, 10):
        digits = "1" + digits
    return "+" + digits


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of a verification attempt; ``customer_id`` is set only when verified."""

    verified: bool
    customer_id: str | None


class CustomerService:
    def __init__(self, repository: DeskRepository) -> None:
        self.repository = repository

    def get(self, customer_id: str) -> Customer:
        row = self.repository.customer(customer_id)
        if row is None:
            raise NotFoundError(
                f"no customer with id {customer_id}",
                hint="verify the caller first; the verification returns the customer id",
            )
        return customer(row)

    def by_phone(self, phone: str) -> Customer | None:
        row = self.repository.customer_by_phone(normalize_phone(phone))
        return None if row is None else customer(row)

    def verify(self, phone: str, date_of_birth: date) -> Verification:
        found = self.by_phone(phone)
        if found is None or found.date_of_birth != date_of_birth:
            return Verification(verified=False, customer_id=None)
        return Verification(verified=True, customer_id=found.id)
