"""Waiting in tests: coroutines run to the end from synchronous code, and conditions polled until true."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a fresh thread: Playwright's sync API keeps an event loop running in
    the main thread for the rest of the session, where ``asyncio.run`` would refuse to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll until ``predicate`` returns something truthy (background delivery, webhooks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
