"""Security headers (issue #8, part 5): every staff, console and payment page forbids framing and
sniffing and keeps scripts to files of our own; the web chat and static files at least forbid sniffing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.pages import STATIC_DIRS
from bot.ops.security_headers import NoSniffStaticFiles
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import create_user, login, staff_settings

STAFF_PAGES = ["/staff/login", "/staff/dossiers", "/staff/console", "/staff/faqs", "/staff/review",
               "/staff/inbox", "/staff/dashboard", "/staff/users"]
PAYMENT_PAGES = ["/payments/return/TTNOSUCHORDER", "/sandbox-pay/TTNOSUCHORDER"]   # a page even for no order


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory,
           monkeypatch_module: pytest.MonkeyPatch) -> Iterator[TestClient]:
    settings = staff_settings(tmp_path_factory.mktemp("headers"), free_port())
    create_user(monkeypatch_module, settings, "quantri", "admin")   # admin sees every page, /staff/users too
    with TestClient(create_app(settings, kb=kb), follow_redirects=False) as opened:
        yield opened


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


def assert_strict(headers: dict[str, str] | object, where: str) -> None:
    csp = csp_directives(headers["content-security-policy"])   # type: ignore[index]
    assert csp.get("frame-ancestors") == ["'none'"], where
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert headers["x-content-type-options"] == "nosniff", where   # type: ignore[index]
    assert headers["x-frame-options"] == "DENY", where   # type: ignore[index]
    assert headers["referrer-policy"], where   # type: ignore[index]


def test_pages_send_strict_headers_before_login_too(client: TestClient) -> None:
    """A redirect to the login form and the form itself carry them, not only pages behind it."""
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code in (200, 303), (path, response.status_code)
        assert_strict(response.headers, path)


@pytest.mark.parametrize("path", STAFF_PAGES + PAYMENT_PAGES)
def test_staff_console_and_payment_pages_send_strict_headers(client: TestClient, path: str) -> None:
    if "staff_session" not in client.cookies:
        login(client, "quantri")
    response = client.get(path)
    assert response.status_code in (200, 303, 404), (path, response.status_code)   # login: 303 once in
    if response.status_code != 303:
        assert response.headers["content-type"].startswith("text/html")
    assert_strict(response.headers, path)


def test_web_chat_page_sends_nosniff(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("name", sorted(p.name for folder in STATIC_DIRS for p in folder.iterdir()))
def test_static_files_send_nosniff(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200 and response.headers.get("x-content-type-options") == "nosniff"


def test_nosniff_static_files_add_the_header(tmp_path: Path) -> None:
    """The drop-in for ``StaticFiles`` that the fix in bot/app.py uses."""
    (tmp_path / "a.js").write_text("console.log(1)")
    app = FastAPI()
    app.mount("/static", NoSniffStaticFiles(directory=tmp_path), name="static")
    with TestClient(app) as plain:
        response = plain.get("/static/a.js")
        assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        assert plain.get("/static/a.js", headers={"If-None-Match": etag}).status_code == 304
        assert plain.get("/static/missing.js").status_code == 404
