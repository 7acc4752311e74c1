"""Rasa's action endpoint, served by rasa-sdk's ActionExecutor inside the gateway.

Error mapping follows what Rasa 3.6 reads: a rejection is HTTP 400; anything else makes Rasa drop
the action's events and reply with silence, so it is logged loudly here.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.core.config import Settings
from bot.core.deps import AppSettings
from bot.core.services import service
from bot.core.tokens import tokens_match

log = logging.getLogger(__name__)
router = APIRouter(tags=["rasa"], include_in_schema=False)
Executor = Annotated[ActionExecutor, Depends(service(ActionExecutor))]   # the actions, registered by bot/app.py


def _from_rasa(request: Request, settings: Settings) -> bool:
    """Rasa sends the shared token as ``?token=`` (its action endpoint's ``token``)."""
    return tokens_match(settings.internal_token, request.query_params.get("token"))


@router.post("/actions/webhook")
async def run_action(request: Request, settings: AppSettings, executor: Executor) -> JSONResponse:
    if not _from_rasa(request, settings):
        return JSONResponse({"error": "Chỉ Rasa được gọi hành động (thiếu hoặc sai token nội bộ)"}, status_code=403)
    try:
        payload: Any = await request.json()
    except ValueError:
        return JSONResponse({"error": "Invalid body request"}, status_code=400)
    if not isinstance(payload, dict):
        return JSONResponse({"error": "Invalid body request"}, status_code=400)
    try:
        result = await executor.run(payload)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, 400)
    except ActionNotFoundException as exc:
        log.error("unknown action %s", exc.action_name)
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, 404)
    except Exception:
        log.exception("action %s failed", payload.get("next_action"))
        return JSONResponse({"error": "action failed"}, status_code=500)
    return JSONResponse(result.model_dump() if result else None)


@router.get("/actions", response_model=None)
async def list_actions(request: Request, settings: AppSettings,
                       executor: Executor) -> list[dict[str, Any]] | JSONResponse:
    if not _from_rasa(request, settings):
        return JSONResponse({"error": "Chỉ Rasa được gọi hành động (thiếu hoặc sai token nội bộ)"}, status_code=403)
    return [item.model_dump() for item in executor.list_actions()]
