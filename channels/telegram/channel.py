"""Telegram as a ``Channel``: an ``OutboundMessage`` becomes Bot API calls through PTB's ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError

from channels.base import DeliveryError, FileTooLarge, split_text
from channels.messages import Button, OutboundMessage
from channels.telegram.callbacks import CallbackStore

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096          # characters in one sendMessage
FILE_PREFIX = "tg-file:"   # IncomingFile.url of a file the citizen sent: "tg-file:<file_id>"
CHOOSE_TEXT = "Mời Anh/Chị chọn:"  # a keyboard needs a text to hang on


class TelegramChannel:
    """Sends with PTB's ``Bot`` (pointed at ``api_base``) and fetches files citizens sent."""

    name = "telegram"

    def __init__(self, bot: Bot, callbacks: CallbackStore, max_download_bytes: int) -> None:
        self.bot = bot
        self.callbacks = callbacks
        self._max_bytes = max_download_bytes
        self._init_lock = asyncio.Lock()
        self._initialized = False

    async def send(self, recipient_id: str, message: OutboundMessage, kind: str = "reply") -> str | None:
        """Photo first, then the text in parts of 4096; the buttons go on the last message."""
        try:
            await self._ready()
            keyboard = await self._keyboard(message.buttons)
            parts = split_text(message.text or "", TEXT_LIMIT)
            if keyboard and not parts and not message.image:
                parts = [CHOOSE_TEXT]
            sent: Message | None = None
            if message.image:
                sent = await self.bot.send_photo(recipient_id, message.image,
                                                 reply_markup=None if parts else keyboard)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                sent = await self.bot.send_message(recipient_id, part,
                                                   reply_markup=keyboard if last else None)
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        return str(sent.message_id) if sent else None

    async def download(self, url: str) -> bytes:
        """Resolve ``tg-file:<file_id>`` with getFile and fetch the bytes, at most the upload cap."""
        if not url.startswith(FILE_PREFIX):
            raise ValueError(f"not a Telegram file reference: {url!r}")
        try:
            await self._ready()
            file = await self.bot.get_file(url.removeprefix(FILE_PREFIX))
            if file.file_size and file.file_size > self._max_bytes:
                raise FileTooLarge(file.file_size, self._max_bytes)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        if len(data) > self._max_bytes:  # file_size is optional in getFile's answer
            raise FileTooLarge(len(data), self._max_bytes)
        return data

    async def answer_callback(self, query_id: str, text: str | None = None) -> None:
        """Stop the button's spinner; a failure here must not lose the citizen's choice."""
        try:
            await self._ready()
            await self.bot.answer_callback_query(query_id, text=text, read_timeout=5, connect_timeout=5)
        except TelegramError as exc:
            log.warning("answerCallbackQuery failed: %s", exc)

    async def close(self) -> None:
        """Release the HTTP connections (gateway shutdown)."""
        await self.bot.shutdown()

    async def _ready(self) -> None:
        """Initialise PTB's Bot once (it calls getMe); retried on the next send if that failed."""
        async with self._init_lock:
            if not self._initialized:
                await self.bot.initialize()
                self._initialized = True

    async def _keyboard(self, buttons: list[Button]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        rows = []
        for button in buttons:
            if button.payload.startswith(("https://", "http://")):   # a pay link: opens in the browser
                rows.append([InlineKeyboardButton(button.title, url=button.payload)])
                continue
            data = await asyncio.to_thread(self.callbacks.encode, button.payload or button.title)
            rows.append([InlineKeyboardButton(button.title, callback_data=data)])
        return InlineKeyboardMarkup(rows)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Whether the outbox should try again: yes for outages and rate limits, no when the citizen
    blocked the bot, the chat does not exist or Telegram refuses the request itself."""
    if isinstance(exc, RetryAfter):
        wait = seconds(exc.retry_after)
        return DeliveryError(f"Telegram giới hạn tốc độ, thử lại sau {wait:g} giây", retryable=True)
    if isinstance(exc, Forbidden | BadRequest | ChatMigrated):
        return DeliveryError(f"Telegram từ chối: {exc.message}", retryable=False)
    if isinstance(exc, InvalidToken):
        return DeliveryError(f"mã bot Telegram bị từ chối: {exc.message}", retryable=True)
    return DeliveryError(f"Telegram không phản hồi: {exc.message}", retryable=True)


def seconds(value: float | dt.timedelta) -> float:
    """PTB gives time periods as int or timedelta, depending on ``PTB_TIMEDELTA``."""
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
