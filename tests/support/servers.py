"""Apps served over real HTTP in a thread of the test process: the stand-ins of outside services
(``tests/standins/``) and, where a test needs a real address, the gateway."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    """uvicorn's server, looking for ``should_exit`` every 10 ms instead of every 100 ms: the tests
    stop a server or two each, a few hundred in a run."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            await asyncio.sleep(0.01)
            should_exit = await self.on_tick(counter)


@contextmanager
def serve_in_thread(app: FastAPI, port: int, name: str, timeout: float = 30) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port`` in a thread; yields its base URL until the block ends."""
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
