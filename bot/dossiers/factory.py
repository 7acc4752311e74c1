"""Chooses the dossier backend from settings: the embedded registry or the one-stop system."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import sessionmaker

from bot.core.calendar import WorkingCalendar
from bot.core.config import Settings
from bot.dossiers.backend import DossierBackend
from bot.dossiers.http_backend import HttpDossierBackend
from bot.dossiers.registry import EmbeddedRegistry, Listener
from knowledge_base.service import KnowledgeBase


def make_dossier_backend(settings: Settings, sessions: sessionmaker, kb: KnowledgeBase,
                         on_status_change: Listener) -> DossierBackend:
    if settings.dossier_backend == "http":
        if not settings.onestop_url or not settings.onestop_api_key:
            raise ValueError("ASSISTANT_DOSSIER_BACKEND=http cần ASSISTANT_ONESTOP_URL và ASSISTANT_ONESTOP_API_KEY")
        client = httpx.AsyncClient(timeout=settings.onestop_timeout_seconds)
        return HttpDossierBackend(settings.onestop_url, settings.onestop_api_key, client)
    if settings.dossier_backend != "embedded":
        raise ValueError(f"ASSISTANT_DOSSIER_BACKEND không hỗ trợ: {settings.dossier_backend!r}")
    calendar = WorkingCalendar.from_yaml(settings.dossier_holidays_file, settings.dossier_cutoff)
    return EmbeddedRegistry(sessions, kb, on_status_change=on_status_change, calendar=calendar)
