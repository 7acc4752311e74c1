"""Who a conversation is with, as Rasa knows it: the tracker id ``channel:sender``."""

from __future__ import annotations


def rasa_sender(channel: str, sender_id: str) -> str:
    """``("zalo", "123")`` → ``"zalo:123"``: the tracker id the gateway gives Rasa."""
    return f"{channel}:{sender_id}"


def split_sender(rasa_sender: str) -> tuple[str, str]:
    """``"web:abc"`` → ``("web", "abc")`` (the gateway's Rasa tracker ids)."""
    channel, _, sender_id = rasa_sender.partition(":")
    return (channel, sender_id) if sender_id else ("web", rasa_sender)
