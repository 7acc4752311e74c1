"""ASGI entry point: ``uvicorn bot.main:app``."""

import logging

from bot.app import create_app
from bot.ops.file_modes import keep_files_private
from bot.ops.heap import freeze_after_startup

keep_files_private()

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
# httpx logs every request URL at INFO; conversation ids in those URLs are nobody's business.
logging.getLogger("httpx").setLevel(logging.WARNING)
app = create_app()
freeze_after_startup(app)
