"""The offline English check: script and vocabulary, with handles and links ignored."""

from __future__ import annotations

import pytest

from colloquy.analytics.analysis import check_language


@pytest.mark.parametrize(
    "text",
    [
        "Hello, my order has not arrived and I need help with it please",
        "@AmazonHelp hi, where is my package? https://t.co/abc123 #fail",
        "ok",
        "",
    ],
)
def test_english_and_too_short_to_judge(text: str) -> None:
    assert check_language([text]).is_english


@pytest.mark.parametrize(
    "text",
    [
        "Hola, mi pedido no ha llegado todavía y necesito ayuda por favor",
        "Ça ne marche pas du tout, je suis très déçu de votre service client",
        "こんにちは、注文した商品がまだ届いていません",
        "Здравствуйте, мой заказ до сих пор не пришёл",
    ],
)
def test_other_languages_are_flagged(text: str) -> None:
    assert not check_language([text]).is_english


def test_evidence_is_reported() -> None:
    check = check_language(["the cat is on the mat", "@brand 12345"])
    assert check.tokens == 6
    assert check.english_share == pytest.approx(4 / 6)  # the, is, on, the (cat, mat unknown)
    assert check.latin_share == 1.0
    japanese = check_language(["日本語のテキスト"])
    assert japanese.latin_share == 0.0
