"""Rasa's action endpoint, served by rasa-sdk's ActionExecutor inside the gateway.

Error mapping follows what Rasa 3.6 reads: a rejection is HTTP 400; anything else makes Rasa drop
the action's events and reply with silence, so it is logged loudly here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.core.tokens import tokens_match

log = logging.getLogger(__name__)
router = APIRouter(tags=["rasa"], include_in_schema=False)


def _from_rasa(request: Request) -> bool:
    """Rasa sends the shared token as ``?token=`` (its action endpoint's ``token``)."""
    return tokens_match(request.app.state.settings.internal_token, request.query_params.get("token"))


@router.post("/actions/webhook")
async def run_action(request: Request) -> JSONResponse:
    if not _from_rasa(request):
        return JSONResponse({"error": "Chỉ Rasa được gọi hành động (thiếu hoặc sai token nội bộ)"}, status_code=403)
    executor: ActionExecutor = request.app.state.action_executor
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
async def list_actions(request: Request) -> list[dict[str, Any]] | JSONResponse:
    if not _from_rasa(request):
        return JSONResponse({"error": "Chỉ Rasa được gọi hành động (thiếu hoặc sai token nội bộ)"}, status_code=403)
    executor: ActionExecutor = request.app.state.action_executor
    return [item.model_dump() for item in executor.list_actions()]
