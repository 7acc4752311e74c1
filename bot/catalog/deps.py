"""The catalog's services as route parameters: the search over what is published, and the store
staff edit (registered by ``bot/app.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bot.catalog.service import CatalogService
from bot.core.services import service
from knowledge_base.service import KnowledgeBase

Knowledge = Annotated[KnowledgeBase, Depends(service(KnowledgeBase))]
Catalog = Annotated[CatalogService, Depends(service(CatalogService))]
