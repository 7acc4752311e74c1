"""The conversation spine's services as route parameters (registered by ``bot/app.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from bot.conversation.attachments import AttachmentService
from bot.conversation.inbound import InboundPipeline
from bot.conversation.rasa_client import RasaClient
from bot.conversation.service import ConversationService
from bot.core.services import service

Conversations = Annotated[ConversationService, Depends(service(ConversationService))]
Attachments = Annotated[AttachmentService, Depends(service(AttachmentService))]
Inbound = Annotated[InboundPipeline, Depends(service(InboundPipeline))]
Rasa = Annotated[RasaClient, Depends(service(RasaClient))]
