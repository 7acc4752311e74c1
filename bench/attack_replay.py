"""Replay the attacks of issue #15 against a running stack and print how many were refused.

    .venv/bin/python bench/attack_replay.py --url http://127.0.0.1:8000 --rasa http://127.0.0.1:5005

Black-box: only what a stranger can send over HTTP, with no account and no provider secret. The
findings that need a secret or an account to replay (a provider's signed "paid" after "not paid", a
volunteer's session, a killed process, a signed stale Zalo event) are replayed by the tests named
in ``COVERED_BY_TESTS``; they are listed, not counted. Run it only against servers you operate.
The last line is a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass

import httpx

PUBLISHED_SANDBOX_SECRET = "sandbox-secret-change-me"
COVERED_BY_TESTS = {
    "2 paid after not paid": "tests/test_payment_states.py",
    "5 volunteers and personal data": "tests/test_staff.py, tests/test_handoff.py",
    "6 acknowledged messages after a crash": "tests/test_telegram.py::…process_that_died…",
    "7 password policy": "tests/test_staff.py::test_guessable_passwords_are_refused",
    "11 stale or foreign Zalo events": "tests/test_zalo.py::test_stale_future_undated_and_foreign…",
    "12 spreadsheet formulas": "tests/test_catalog_admin.py::test_exports_never_carry_a_live_formula…",
    "13 masking formats": "tests/test_privacy.py",
    "17 file links expire": "tests/test_file_links.py",
}


@dataclass
class Check:
    finding: str
    attack: str
    refused: bool
    detail: str


def _sandbox_callback(client: httpx.Client) -> tuple[bool, str]:
    body = json.dumps({"order_id": "TT" + secrets.token_hex(6).upper(), "amount_vnd": 1000, "status": "paid",
                       "transaction_no": "X", "paid_at": None}).encode()
    signature = hmac.new(PUBLISHED_SANDBOX_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post("/payments/sandbox/callback", content=body,
                           headers={"Content-Type": "application/json", "X-Sandbox-Signature": signature})
    return response.status_code != 200, f"HTTP {response.status_code}"


def _payment_without_proof(client: httpx.Client) -> tuple[bool, str]:
    response = client.post("/api/payments", json={"dossier_code": "HS-7M2K-QX9P", "provider": "sandbox"})
    return response.status_code in (404, 422, 429), f"HTTP {response.status_code}"


def _unsigned_flood(client: httpx.Client) -> tuple[bool, str]:
    codes = [client.post("/payments/momo/ipn", content=b"{" + b"x" * 60_000, headers={
        "Content-Type": "application/json"}).status_code for _ in range(50)]
    return all(code != 200 for code in codes), f"{sum(c == 200 for c in codes)} × 200 of 50"


def _login_form_token(client: httpx.Client) -> str:
    page = client.get("/staff/login")
    return page.text.split('name="csrf_token" value="', 1)[-1].split('"', 1)[0]


def _login_rotating_addresses(client: httpx.Client) -> tuple[bool, str]:
    token, codes = _login_form_token(client), []
    for index in range(12):     # one account, a new X-Forwarded-For each try: must not buy more tries
        codes.append(client.post("/staff/login", headers={"X-Forwarded-For": f"198.51.100.{index}"}, data={
            "username": "quantri", "password": "Mat-khau-doan-2026", "csrf_token": token}).status_code)
    return 429 in codes, f"first 429 at try {codes.index(429) + 1 if 429 in codes else '—'} of 12"


def _login_spraying(client: httpx.Client) -> tuple[bool, str]:
    token, codes = _login_form_token(client), []
    for index in range(22):     # one address, a different account each try
        codes.append(client.post("/staff/login", data={
            "username": f"nguoi{index:02d}", "password": "Mat-khau-doan-2026", "csrf_token": token}).status_code)
    return 429 in codes, f"first 429 at try {codes.index(429) + 1 if 429 in codes else '—'} of 22"


def _forged_action(client: httpx.Client) -> tuple[bool, str]:
    forged = {"next_action": "action_track_dossier", "sender_id": "zalo:victim", "version": "3.6.21",
              "tracker": {"sender_id": "zalo:victim", "slots": {}, "events": [], "latest_message": {}}, "domain": {}}
    response = client.post("/actions/webhook", json=forged)
    return response.status_code in (403, 404), f"HTTP {response.status_code}"


def _rasa_tracker(rasa: str | None) -> tuple[bool, str]:
    if not rasa:
        return True, "skipped (no --rasa)"
    response = httpx.get(f"{rasa}/conversations/web:anyone/tracker", timeout=10)
    return response.status_code in (401, 403), f"HTTP {response.status_code}"


def _content_type_bypass(client: httpx.Client) -> tuple[bool, str]:
    sender = "replay-" + secrets.token_hex(4)
    codes = [client.post("/webhooks/rest/webhook", content=json.dumps({"sender": sender, "message": "hi"}),
                         headers={"Content-Type": "application/x-foo+json"}).status_code for _ in range(40)]
    return 429 in codes, f"first 429 at message {codes.index(429) + 1 if 429 in codes else '—'} of 40"


def _crashes(client: httpx.Client) -> tuple[bool, str]:
    attempts = {
        "nested JSON": client.post("/webhooks/rest/webhook", content=b"[" * 30_000,
                                   headers={"Content-Type": "application/json"}),
        "non-ASCII file token": client.get("/files/1/ậ"),
        "non-ASCII return signature": client.get("/payments/return/TT1?sig=ñ&order_id=TT1&amount_vnd=1&status=paid"),
        "page=²": client.get("/staff/dossiers?page=²"),
        "20-digit id": client.get("/staff/attachments/99999999999999999999"),
    }
    crashed = [name for name, response in attempts.items() if response.status_code >= 500]
    return not crashed, "500 on: " + ", ".join(crashed) if crashed else "no 500"


def _sender_in_urls(client: httpx.Client) -> tuple[bool, str]:
    script = client.get("/static/chat.js").text
    return "updates?sender=" not in script and "?sender=" not in script, "chat.js polls with a header"


def _ready_only_when_warm(client: httpx.Client) -> tuple[bool, str]:
    body = client.get("/ready").json()
    return body.get("warm") is True, json.dumps(body)


def _docs_and_csp(client: httpx.Client) -> tuple[bool, str]:
    page = client.get("/")
    header = bool(page.headers.get("content-security-policy"))
    meta = 'http-equiv="Content-Security-Policy"' in page.text
    return header or meta, "CSP on /: " + ("header" if header else "meta tag" if meta else "missing")


CHECKS: list[tuple[str, str, Callable[[httpx.Client], tuple[bool, str]]]] = [
    ("1 sandbox with the published secret", "signed 'paid' callback", _sandbox_callback),
    ("3 payments without proof", "POST /api/payments, a code and nothing else", _payment_without_proof),
    ("4 unsigned callbacks stored", "50 unsigned 60 KB bodies", _unsigned_flood),
    ("7 login, rotating X-Forwarded-For", "12 wrong passwords for one account", _login_rotating_addresses),
    ("7 login spraying", "22 accounts from one address", _login_spraying),
    ("8 internal endpoints", "forged tracker to /actions/webhook", _forged_action),
    ("9 per-sender limit", "40 messages as application/x-foo+json", _content_type_bypass),
    ("10 500s without login", "nested JSON, non-ASCII tokens, odd numbers", _crashes),
    ("14 web sender in URLs", "sender in the polling URL", _sender_in_urls),
    ("16 cold replica", "/ready before the warm-up", _ready_only_when_warm),
    ("17 page without CSP", "GET /", _docs_and_csp),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--rasa", default="", help="Rasa's address, to check its HTTP API refuses strangers")
    args = parser.parse_args(argv)
    results: list[Check] = []
    with httpx.Client(base_url=args.url, timeout=30, follow_redirects=False) as client:
        for finding, attack, run in CHECKS:
            refused, detail = run(client)
            results.append(Check(finding, attack, refused, detail))
        refused, detail = _rasa_tracker(args.rasa or None)
        results.insert(5, Check("8 internal endpoints", "Rasa tracker without a token", refused, detail))
    for check in results:
        print(f"{'REFUSED' if check.refused else 'GOT IN '}  #{check.finding:<40} {check.attack:<52} {check.detail}")
    print("\nReplayed by tests (need a secret, an account or a crash):")
    for finding, where in COVERED_BY_TESTS.items():
        print(f"  #{finding:<40} {where}")
    count = sum(c.refused for c in results)
    print(f"\n{count} of {len(results)} attacks refused")
    print(json.dumps({"refused": count, "replayed": len(results), "covered_by_tests": len(COVERED_BY_TESTS)}))
    return 0 if count == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
