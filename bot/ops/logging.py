"""Logs for production: one JSON object per line (or plain text for a terminal), with the request
id and with personal data (căn cước, phone numbers, e-mails) masked by ``bot.core.privacy.mask``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from bot.core.privacy import mask
from bot.ops.request_id import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName", "color_message"}  # color_message: uvicorn's ANSI copy
_OURS = "_gateway_ops_handler"  # marks the handler configure_logging installed (idempotent re-runs)
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _masked(value: Any) -> Any:
    """Mask strings, also inside lists and dicts; other JSON values as they are, the rest as text."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v) for v in value]
    return mask(str(value))


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, "exception"?, ...extras}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = mask(str(request_id))
        # Tracebacks quote values (a form field, a URL): masked like the message.
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = mask(self.formatStack(record.stack_info))
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and key not in entry:
                entry[key] = _masked(value)
        return json.dumps(entry, ensure_ascii=False, default=str)


class MaskingFormatter(logging.Formatter):
    """Plain text for development, masked too (developers copy logs into tickets)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or "-"
        return mask(super().format(record))


def configure_logging(json_logs: bool = True, level: str = "INFO") -> logging.Handler:
    """Send the root logger to stderr through the masking formatter, replacing a ``basicConfig``
    console handler and an earlier call's handler (other handlers, e.g. pytest's, are kept).
    Uvicorn's loggers are made to go through it as well."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        is_console = type(handler) is logging.StreamHandler and handler.stream in (sys.stderr, sys.stdout)
        if getattr(handler, _OURS, False) or is_console:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _OURS, True)
    handler.setFormatter(JsonFormatter() if json_logs else MaskingFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:  # uvicorn installs its own plain handlers: route them to ours
        server_logger = logging.getLogger(name)
        if server_logger.handlers:  # none (and no propagation) is how --no-access-log turns it off
            server_logger.handlers.clear()
            server_logger.propagate = True
    return handler
