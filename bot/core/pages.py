"""Web pages of every capability: one Jinja environment over each package's ``templates/`` folder,
and one ``/static`` over each package's ``static/`` folder, so a capability keeps its own pages."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from bot.core.money import vnd
from bot.core.vntime import vn_date, vn_time

BOT_DIR = Path(__file__).resolve().parent.parent
# Looked up by folder, not by import: the floor must not import the capabilities above it.
TEMPLATE_DIRS = sorted(path for path in BOT_DIR.glob("*/templates") if path.is_dir())
STATIC_DIRS = sorted(path for path in BOT_DIR.glob("*/static") if path.is_dir())

TEMPLATES = Jinja2Templates(directory=[str(path) for path in TEMPLATE_DIRS])
TEMPLATES.env.filters.update(vn_time=vn_time, vn_date=vn_date, vnd=vnd)


def template_file(name: str) -> Path:
    """A page served as a plain file (the web chat), from whichever capability ships it."""
    for folder in TEMPLATE_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)
