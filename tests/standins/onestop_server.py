"""A local stand-in for a province's one-stop system, honouring docs/one-stop-backend.md: API key,
idempotent filing, national status codes, allowed transitions. Run by uvicorn on 127.0.0.1 in a
thread. Tests steer it through ``OneStopStandIn`` attributes (e.g. lose the next filing's answer)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bot.core.calendar import WorkingCalendar
from bot.dossiers.errors import InvalidTransition
from bot.dossiers.status import DossierStatus
from bot.dossiers.transitions import check_accepts_documents, check_transition
from tests.support.servers import serve_in_thread


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


@dataclass
class OneStopStandIn:
    api_key: str = "onestop-key"
    # procedure id → (working days or None, fee in VND)
    procedures: dict[str, tuple[float | None, int]] = field(default_factory=lambda: {"doi-gplx": (5, 135000)})
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar.from_yaml)
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)        # code → stored dossier
    idempotency: dict[str, tuple[str, str]] = field(default_factory=dict)    # key → (body hash, code)
    filing_requests: int = 0
    lose_next_filing_answer: bool = False   # file, then answer 503 as if the answer were lost
    url: str = ""

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.middleware("http")
        async def authenticate(request: Request, call_next: Any) -> Response:
            if not secrets.compare_digest(request.headers.get("X-API-Key", ""), self.api_key):
                return error(401, "unauthorized", "Khoá API không hợp lệ.")
            return await call_next(request)

        @api.post("/dossiers")
        async def file(request: Request) -> Response:
            self.filing_requests += 1
            key = request.headers.get("Idempotency-Key", "")
            if not key:
                return error(400, "invalid_request", "Thiếu Idempotency-Key.")
            raw = await request.body()
            body_hash = hashlib.sha256(raw).hexdigest()
            if key in self.idempotency:
                known_hash, code = self.idempotency[key]
                if known_hash != body_hash:
                    return error(409, "idempotency_conflict", "Idempotency-Key đã dùng cho một hồ sơ khác.")
                return JSONResponse(self.public(code), headers={"Idempotent-Replayed": "true"})
            body = json.loads(raw)
            if body.get("procedure_id") not in self.procedures:
                return error(422, "unknown_procedure", "Thủ tục không có trong danh mục.",
                             procedure_id=body.get("procedure_id"))
            working_days, fee = self.procedures[body["procedure_id"]]
            now = dt.datetime.now(dt.UTC)
            code = f"000.00.15.H12-{now:%y%m%d}-{len(self.dossiers) + 1:04d}"
            self.dossiers[code] = {
                **body, "code": code, "status": int(DossierStatus.NEW), "submitted_at": now.isoformat(),
                "due_date": None if working_days is None else self.calendar.add_working_days(now, working_days)
                .isoformat(), "fee_due_vnd": fee,
                "history": [{"status": 1, "at": now.isoformat(), "note": "Tiếp nhận trực tuyến", "actor": "system"}]}
            self.idempotency[key] = (body_hash, code)
            if self.lose_next_filing_answer:
                self.lose_next_filing_answer = False
                return error(503, "unavailable", "Gateway timeout (answer lost).")
            return JSONResponse(self.public(code), status_code=201)

        @api.get("/dossiers/{code}")
        async def get(code: str) -> Response:
            if code not in self.dossiers:
                return error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
            return JSONResponse(self.public(code))

        @api.post("/dossiers/{code}/status")
        async def change_status(code: str, request: Request) -> Response:
            if code not in self.dossiers:
                return error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
            body = await request.json()
            try:
                new = DossierStatus(body["status"])
            except (KeyError, ValueError):
                return error(422, "invalid_request", "Mã trạng thái không thuộc danh mục quốc gia.")
            stored = self.dossiers[code]
            try:
                check_transition(code, DossierStatus(stored["status"]), new, bool(body.get("override")))
            except InvalidTransition as refused:
                return error(409, "invalid_transition", str(refused))
            stored["status"] = int(new)
            if body.get("fee_due_vnd") is not None:
                stored["fee_due_vnd"] = int(body["fee_due_vnd"])
            stored["history"].append({"status": int(new), "at": dt.datetime.now(dt.UTC).isoformat(),
                                      "note": body.get("note", ""), "actor": body.get("actor", "")})
            return JSONResponse(self.public(code))

        @api.post("/dossiers/{code}/documents")
        async def add_documents(code: str, request: Request) -> Response:
            if code not in self.dossiers:
                return error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
            stored = self.dossiers[code]
            try:
                check_accepts_documents(code, DossierStatus(stored["status"]))
            except InvalidTransition as refused:
                return error(409, "invalid_transition", str(refused))
            stored["documents"].extend((await request.json())["documents"])
            return JSONResponse(self.public(code))

        @api.post("/dossiers/{code}/payments")
        async def record_payment(code: str, request: Request) -> Response:
            if code not in self.dossiers:
                return error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
            body = await request.json()
            stored = self.dossiers[code]
            paid = stored.setdefault("payments", {})
            if body["order_id"] not in paid:  # idempotent per payment order
                paid[body["order_id"]] = int(body["amount_vnd"])
                stored["fee_due_vnd"] = max(0, stored["fee_due_vnd"] - int(body["amount_vnd"]))
                if stored["status"] == DossierStatus.FEE_DUE and stored["fee_due_vnd"] == 0:
                    stored["status"] = int(DossierStatus.PROCESSING)
                stored["history"].append({"status": stored["status"], "at": dt.datetime.now(dt.UTC).isoformat(),
                                          "note": body.get("note", ""), "actor": body.get("actor", "")})
            return JSONResponse(self.public(code))

        @api.get("/dossiers")
        async def list_dossiers(status: int | None = None, procedure: str | None = None, limit: int = 100,
                                offset: int = 0, channel: str | None = None, sender: str | None = None) -> Response:
            codes = [c for c, d in reversed(self.dossiers.items())
                     if (status is None or d["status"] == status)
                     and (channel is None or (d["channel"], d["sender_id"]) == (channel, sender))
                     and (procedure is None or d["procedure_id"] == procedure)]
            return JSONResponse({"items": [self.public(c) for c in codes[offset:offset + limit]], "total": len(codes)})

        return api

    def public(self, code: str) -> dict[str, Any]:
        """The contract's dossier object: never the full phone or căn cước."""
        d = self.dossiers[code]
        digits = {k: re.sub(r"\D", "", d["applicant"][k]) for k in ("phone", "cccd")}
        return {"code": code, "procedure_id": d["procedure_id"], "status": d["status"],
                "status_label": DossierStatus(d["status"]).label, "submitted_at": d["submitted_at"],
                "due_date": d["due_date"], "fee_due_vnd": d["fee_due_vnd"], "channel": d["channel"],
                "sender_id": d["sender_id"], "phone_last4": digits["phone"][-4:], "cccd_last4": digits["cccd"][-4:],
                "documents": d["documents"], "history": d["history"]}


@contextmanager
def running(standin: OneStopStandIn, port: int) -> Iterator[OneStopStandIn]:
    """Serve ``standin`` on 127.0.0.1:``port`` in a thread until the block ends."""
    with serve_in_thread(standin.app(), port, "one-stop stand-in") as url:
        standin.url = url
        yield standin
