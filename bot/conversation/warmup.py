"""Warm a cold replica before it reports ready.

A Rasa replica answers its first messages slowly (TensorFlow builds its graphs for each new input
shape) and the gateway's first searches load the encoder's kernels: a cluster put under load the
moment it reported ready timed out on hundreds of messages, and a minute later served the same load
with a p95 under 0.4 s (issue #15, item 16). So messages of every length go through Rasa's NLU and
dialogue policies, and questions through the search, before ``/ready`` says yes.

Nothing here reaches a citizen, the gateway's database or an action: Rasa's ``/model/parse``,
``/conversations/{id}/messages`` and ``/predict`` run the models without executing actions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.conversation.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

# Short and long, with and without diacritics, every kind of request: the input shapes citizens send.
TEXTS = (
    "xin chào", "cảm ơn", "ok", "gặp nhân viên", "tra cứu hồ sơ", "hủy",
    "làm giấy khai sinh cần gì", "le phi ho chieu bao nhieu", "bn ngày thì có kết quả",
    "tôi muốn nộp hồ sơ đăng ký thường trú trực tuyến", "cap lai can cuoc bi mat thi lam the nao a",
    "Mẹ tôi trước đây có hộ khẩu ở tỉnh khác, nay muốn nhập hộ khẩu vào nhà tôi thì cần những giấy tờ "
    "gì, nộp ở đâu và mất bao lâu thì có kết quả, có nộp online được không ạ?",
)
ROUNDS = 2
CONCURRENCY = 4           # with several Rasa replicas behind a balancer, each gets some of them


async def warm_rasa(rasa: RasaClient, name: str, rounds: int = ROUNDS, concurrency: int = CONCURRENCY) -> float:
    """Run every text through NLU and the dialogue policies ``rounds`` times; seconds taken."""
    started = time.perf_counter()
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, text: str) -> None:
        async with gate:
            await rasa.parse(text)
            await rasa.predict(f"warmup-{name}-{index}", text)

    await asyncio.gather(*(one(i, text) for i in range(rounds) for text in TEXTS))
    return time.perf_counter() - started


async def warm_until_ready(rasa: RasaClient, search: Callable[[str], object], name: str,
                           mark_warm: Callable[[], None], retry_seconds: float = 2.0) -> None:
    """Background task at start-up: wait for Rasa, warm it and the search, then ``mark_warm``."""
    for text in TEXTS:
        await asyncio.to_thread(search, text)
    while True:
        if await rasa.ready():
            try:
                seconds = await warm_rasa(rasa, name)
            except RasaUnavailable as error:
                log.info("warm-up interrupted (%s); trying again", error)
            else:
                log.info("warm: %d messages through Rasa in %.1f s", ROUNDS * len(TEXTS), seconds)
                mark_warm()
                return
        await asyncio.sleep(retry_seconds)
