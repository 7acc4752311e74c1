"""The web chat as an outbound channel.

A browser cannot be reached by the server, so "sending" to a web conversation means leaving the
message in the outbox, where the chat page fetches it (``GET /api/chat/updates``). Replies to the
citizen's own messages still come back in the same HTTP exchange; this path carries the messages
nobody asked for at that moment: status notices, a person's replies.
"""

from __future__ import annotations

from channels.messages import OutboundMessage


class WebChannel:
    name = "web"

    async def send(self, recipient_id: str, message: OutboundMessage, kind: str = "reply") -> str | None:
        return None  # kept in the outbox table, served to the page when it asks

    async def download(self, url: str) -> bytes:
        raise NotImplementedError("web uploads arrive with the request, not by URL")
