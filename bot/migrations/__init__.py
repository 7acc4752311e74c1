"""Alembic migrations of the gateway's database (``python -m bot db upgrade | current | check``)."""
