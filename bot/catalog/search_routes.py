"""Search API over the catalog (procedures and FAQs)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from bot.catalog.deps import Knowledge

router = APIRouter(tags=["search"])


class SearchResult(BaseModel):
    id: str
    kind: Literal["procedure", "faq"]
    title: str
    score: float
    code: str | None = Field(None, description="Mã thủ tục quốc gia (chỉ với thủ tục đã xác minh)")


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


@router.get("/api/search", response_model=SearchResponse, summary="Tìm thủ tục và câu hỏi")
async def search(
    kb: Knowledge,
    q: str = Query(min_length=1, max_length=500, description="Câu hỏi, có hoặc không dấu"),
    kind: Literal["procedure", "faq", "all"] = "all",
    top: int = Query(5, ge=1, le=50),
) -> SearchResponse:
    hits = await asyncio.to_thread(kb.search, q, kind, top)
    return SearchResponse(query=q, results=[
        SearchResult(id=h.id, kind=h.kind, title=h.title, score=h.score, code=h.code or None)
        for h in hits])
