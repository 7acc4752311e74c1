"""The providers this gateway offers, from settings alone: a provider is on when its credentials are
set; the sandbox is on by default in the embedded mode and off once ``ASSISTANT_PAYMENT_SANDBOX=false``."""

from __future__ import annotations

from bot.config import Settings
from bot.payments.providers.base import PaymentProvider
from bot.payments.providers.momo import MomoProvider
from bot.payments.providers.sandbox import SandboxBank, SandboxProvider
from bot.payments.providers.vnpay import VnpayProvider
from bot.payments.providers.zalopay import ZalopayProvider


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
    if settings.payment_sandbox:
        providers["sandbox"] = SandboxProvider(settings.payment_sandbox_secret, settings.public_url,
                                               SandboxBank(settings.payment_sandbox_secret, timeout=timeout))
    return providers
