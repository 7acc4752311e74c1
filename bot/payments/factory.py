"""The providers this gateway offers, from settings alone: a provider is on when its credentials are
set. The sandbox (no real money: anyone holding a pay link can mark a fee paid with one click) is
offered only where it cannot take a real citizen's money path: when no real provider is set and the
public URL is ``http://`` on 127.0.0.1/localhost, or when an operator sets
``ASSISTANT_PAYMENT_SANDBOX=true`` — then loudly, at start-up, on its pay page and in
``/api/payments/providers``. It signs with a secret of this install, never a published one."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from bot.core.config import Settings, is_local_url
from bot.core.secrets import secret_key
from bot.payments.providers.base import PaymentProvider
from bot.payments.providers.momo import MomoProvider
from bot.payments.providers.sandbox import SandboxBank, SandboxProvider
from bot.payments.providers.vnpay import VnpayProvider
from bot.payments.providers.zalopay import ZalopayProvider

log = logging.getLogger(__name__)

# Sandbox secrets that were published (old defaults, env.example): never used to sign anything.
PUBLISHED_SANDBOX_SECRETS = frozenset({"sandbox-secret-change-me", "change-me-hex"})
SANDBOX_WARNING = ("Cảnh báo: ví thử nghiệm đang bật trên máy chủ có cổng thanh toán thật hoặc địa chỉ công "
                   "khai. Ví này không chuyển tiền thật; Anh/Chị nộp phí thật xin chọn VNPay, MoMo hoặc "
                   "ZaloPay, hoặc liên hệ trung tâm.")


@dataclass(frozen=True)
class SandboxDecision:
    enabled: bool
    reasons: tuple[str, ...] = ()   # why it is dangerous where it is on (operator English); empty: safe


def real_providers_configured(settings: Settings) -> list[str]:
    names = []
    if settings.vnpay_tmn_code and settings.vnpay_hash_secret:
        names.append("vnpay")
    if settings.momo_partner_code and settings.momo_access_key and settings.momo_secret_key:
        names.append("momo")
    if settings.zalopay_app_id and settings.zalopay_key1 and settings.zalopay_key2:
        names.append("zalopay")
    return names


def sandbox_decision(settings: Settings) -> SandboxDecision:
    real = real_providers_configured(settings)
    local = is_local_url(settings.public_url)
    if settings.payment_sandbox is None:   # automatic: only on a developer's machine with nothing real
        return SandboxDecision(enabled=not real and local)
    if not settings.payment_sandbox:
        return SandboxDecision(enabled=False)
    reasons = []
    if real:
        reasons.append(f"real payment providers are configured too ({', '.join(real)})")
    if not local:
        reasons.append(f"ASSISTANT_PUBLIC_URL {settings.public_url!r} is not http on 127.0.0.1/localhost")
    return SandboxDecision(enabled=True, reasons=tuple(reasons))


def sandbox_secret(settings: Settings) -> str:
    """``ASSISTANT_PAYMENT_SANDBOX_SECRET`` when set to something not published; otherwise derived
    from the install's secret key (``ASSISTANT_SECRET_KEY`` or var/secret.key, made once)."""
    configured = settings.payment_sandbox_secret.strip()
    if configured and configured not in PUBLISHED_SANDBOX_SECRETS:
        return configured
    if configured:
        log.warning("ASSISTANT_PAYMENT_SANDBOX_SECRET is a published example value: ignored, the sandbox "
                    "signs with a secret derived from this install's secret key instead")
    return hmac.new(secret_key(settings), b"payment-sandbox", hashlib.sha256).hexdigest()


def make_providers(settings: Settings) -> dict[str, PaymentProvider]:
    """Providers in the order citizens see them on buttons."""
    timeout = settings.payment_timeout_seconds
    providers: dict[str, PaymentProvider] = {}
    if settings.vnpay_tmn_code and settings.vnpay_hash_secret:
        providers["vnpay"] = VnpayProvider(settings.vnpay_tmn_code, settings.vnpay_hash_secret,
                                           settings.vnpay_pay_url, settings.vnpay_api_url, timeout=timeout)
    if settings.momo_partner_code and settings.momo_access_key and settings.momo_secret_key:
        providers["momo"] = MomoProvider(settings.momo_partner_code, settings.momo_access_key,
                                         settings.momo_secret_key, settings.momo_endpoint, timeout=timeout)
    if settings.zalopay_app_id and settings.zalopay_key1 and settings.zalopay_key2:
        providers["zalopay"] = ZalopayProvider(settings.zalopay_app_id, settings.zalopay_key1,
                                               settings.zalopay_key2, settings.zalopay_endpoint, timeout=timeout)
    decision = sandbox_decision(settings)
    if decision.enabled:
        secret = sandbox_secret(settings)
        warning = SANDBOX_WARNING if decision.reasons else ""
        if decision.reasons:
            log.warning("!!! PAYMENT SANDBOX IS ON although %s. Anyone holding a pay link can mark a fee "
                        "paid without money. Set ASSISTANT_PAYMENT_SANDBOX=false unless this is a test "
                        "server. !!!", " and ".join(decision.reasons))
        providers["sandbox"] = SandboxProvider(secret, settings.public_url,
                                               SandboxBank(secret, timeout=timeout), warning=warning)
    return providers
