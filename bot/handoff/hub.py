"""Live pushes to open consoles: each WebSocket gets a queue of small "what changed" events.

In one process this is enough; with several gateway replicas the same ``publish`` goes through
Redis pub/sub (#8). Events carry no personal data — the page re-reads the JSON it shows."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.cluster.bus import call_on_loop

if TYPE_CHECKING:
    from bot.cluster.bus import Bus

log = logging.getLogger(__name__)
MAX_PENDING = 100   # a console that stops reading loses events, never the gateway's memory
CHANNEL = "console"


class ConsoleHub:
    """``bus`` None: this process only. With a bus, events reach the consoles of every replica."""

    def __init__(self, bus: Bus | None = None) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bus = bus
        if bus is not None:
            bus.subscribe(CHANNEL, self._deliver)   # called on the bus's loop, ours and others' events

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_PENDING)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    def publish(self, event: dict[str, Any]) -> None:
        """Safe from any thread: the event is handed to the loop the consoles live on."""
        if self._bus is not None:
            self._bus.publish(CHANNEL, event)   # thread-safe too; delivers here at once as well
            return
        call_on_loop(self._loop, self._deliver, event)

    def _deliver(self, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a console is not reading its events; one dropped")

    def queue_changed(self) -> None:
        self.publish({"type": "queue"})

    def handoff_changed(self, handoff_id: int) -> None:
        self.publish({"type": "handoff", "id": handoff_id})
        self.publish({"type": "queue"})
