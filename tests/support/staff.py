"""Shared by the staff page tests: accounts made through the CLI, logging in through the login page,
a filed dossier with a photo, and gateway files prepared once per module that each test copies."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.auth import cli
from bot.conversation.attachments import AttachmentService, LocalFileStore
from bot.conversation.models import Conversation
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker, migrate
from bot.dossiers.backend import Applicant, DossierDraft, DossierView, SubmittedDocument
from bot.dossiers.registry import EmbeddedRegistry
from knowledge_base.service import KnowledgeBase
from tests.support.dossiers import CCCD, PHONE
from tests.support.images import PNG
from tests.support.waiting import run_async

PASSWORD = "mat-khau-du-dai-1"
STAFF = (("tnv", "volunteer"), ("tongdai", "hotline"), ("giamsat", "supervisor"), ("quantri", "admin"))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_user(monkeypatch: pytest.MonkeyPatch, settings: Settings, username: str, role: str,
                name: str = "") -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    assert cli.main(["create", username, "--role", role, "--name", name or username], settings) == 0


def create_users(settings: Settings, accounts: Iterable[tuple[str, str]]) -> None:
    """``(username, role)`` accounts through the CLI, outside a test (for files prepared once)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for username, role in accounts:
            create_user(monkeypatch, settings, username, role)


def login_form_token(client: TestClient) -> str:
    page = client.get("/staff/login")
    assert page.status_code == 200
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in; returns the session's CSRF token."""
    response = client.post("/staff/login", data={"username": username, "password": password,
                                                 "csrf_token": login_form_token(client), "next": "/staff/dossiers"})
    assert response.status_code == 303, response.text
    page = client.get("/staff/dossiers")
    assert page.status_code == 200
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def copy_files(template: Path, folder: Path) -> None:
    """A prepared gateway's files (its SQLite database, the stored attachments) into ``folder``:
    a test starts from a copy instead of migrating, filing and hashing passwords again."""
    shutil.copytree(template, folder, dirs_exist_ok=True)


def file_dossier(kb: KnowledgeBase, settings: Settings, sender_id: str = "citizen-1",
                 procedure_id: str = "doi-gplx") -> tuple[DossierView, int]:
    """File a dossier with one stored photo, straight into the registry; returns it and the photo's id."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        conversation = session.scalars(select(Conversation).where(
            Conversation.channel == "web", Conversation.sender_id == sender_id)).first()
        if conversation is None:
            conversation = Conversation(channel="web", sender_id=sender_id)
            session.add(conversation)
            session.commit()
        conversation_id = conversation.id
    store = AttachmentService(sessions, LocalFileStore(settings.attachments_dir), settings.max_upload_bytes)
    photo = store.save(conversation_id, None, "giấy khám sức khỏe.png", PNG)
    procedure = kb.procedure(procedure_id)
    assert procedure is not None
    draft = DossierDraft(
        procedure_id=procedure_id,
        applicant=Applicant("Nguyễn Văn An", CCCD, dt.date(1990, 5, 17), PHONE, "12 Lê Lợi, phường 1"),
        fields={f.name: "giá trị" for f in procedure.form_fields},
        documents=[SubmittedDocument("Giấy khám sức khỏe", [photo.id])], channel="web", sender_id=sender_id)
    view = run_async(EmbeddedRegistry(sessions, kb).file(draft))
    engine.dispose()
    return view, photo.id


def staff_settings(tmp_path: Path, rasa_port: int, **extra: object) -> Settings:
    """Settings for a gateway on ``tmp_path``; ``database_url`` in ``extra`` replaces its SQLite file."""
    values: dict[str, object] = {"database_url": f"sqlite:///{tmp_path / 'staff.db'}", **extra}
    return Settings(rasa_url=f"http://127.0.0.1:{rasa_port}", rasa_timeout_seconds=2,
                    attachments_dir=tmp_path / "attachments", **values)  # type: ignore[arg-type]
