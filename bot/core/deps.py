"""The floor's services as route parameters: the settings and the database's session factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import sessionmaker

from bot.core.config import Settings
from bot.core.services import service

AppSettings = Annotated[Settings, Depends(service(Settings))]
Sessions = Annotated[sessionmaker, Depends(service(sessionmaker))]
