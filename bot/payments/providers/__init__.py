"""Payment providers, each speaking its real protocol behind ``PaymentProvider`` (base.py)."""
