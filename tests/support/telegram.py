"""The Telegram tests' bot token and webhook secret (those the stand-in Bot API is served with), and
the inline keyboard of a message the gateway sent."""

from __future__ import annotations

from typing import Any

TOKEN = "123456:TEST-token_for-standin"
SECRET = "bi-mat_webhook-2026"


def keyboard(params: dict[str, Any]) -> list[list[dict[str, str]]]:
    return (params.get("reply_markup") or {}).get("inline_keyboard", [])
