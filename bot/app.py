"""The gateway's FastAPI application factory."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from actions import endpoint as action_endpoint
from actions.registry import build_actions
from bot.auth import routes as account_pages
from bot.auth.service import StaffAuth
from bot.catalog import routes as catalog_pages
from bot.catalog import search_routes
from bot.catalog.deps import Knowledge
from bot.catalog.service import CatalogService
from bot.catalog.startup import start_catalog
from bot.catalog.sync import CatalogSync
from bot.cluster import Cluster
from bot.conversation import file_routes
from bot.conversation import routes as chat_routes
from bot.conversation.attachments import AttachmentService, LocalFileStore
from bot.conversation.deps import Rasa
from bot.conversation.inbound import InboundPipeline
from bot.conversation.outbox import Outbox
from bot.conversation.rasa_client import RasaClient
from bot.conversation.service import ConversationService
from bot.conversation.warmup import warm_until_ready
from bot.core.config import Settings, is_local_url
from bot.core.db import make_engine, make_sessionmaker, migrate
from bot.core.errors import ServiceError
from bot.core.pages import STATIC_DIRS, template_file
from bot.core.services import services_of
from bot.dossiers import routes as dossier_pages
from bot.dossiers.backend import DossierBackend
from bot.dossiers.deps import DossierPayments
from bot.dossiers.draft_store import SqlDraftStore
from bot.dossiers.factory import make_dossier_backend
from bot.dossiers.notices import StatusNotifier
from bot.handoff import routes as console_routes
from bot.handoff.deps import DossierList
from bot.handoff.hours import ServiceHours
from bot.handoff.hub import ConsoleHub
from bot.handoff.service import HandoffService
from bot.insights import dashboard_routes as dashboard_pages
from bot.insights import inbox_routes
from bot.insights.gauges import QueueGauges
from bot.insights.inbox import SIMILARITY_THRESHOLD, Inbox, install_resolution_hook
from bot.ops.file_modes import tighten
from bot.ops.install import install_ops
from bot.ops.logging import configure_logging
from bot.ops.security_headers import NOSNIFF, NoSniffStaticFiles
from bot.payments import routes as payment_routes
from bot.payments import sandbox_routes
from bot.payments.factory import make_providers
from bot.payments.service import PaymentService
from channels.registry import build_channels
from channels.telegram import polling as telegram_polling
from channels.telegram import webhook as telegram_webhook
from channels.zalo import webhook as zalo_webhook
from knowledge_base.service import KnowledgeBase
from knowledge_base.validation_messages import reason

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the gateway. Tests pass a ready ``kb`` to skip loading the encoder again."""
    settings = settings or Settings()
    configure_logging(settings.log_json, settings.log_level)
    cluster = Cluster.from_settings(settings)   # Redis when ASSISTANT_REDIS_URL is set (#8); no I/O yet

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Each service is registered by its class (routes ask for it by type, bot/core/services.py);
        # under a protocol too where a lower layer asks for it without importing its class.
        services = services_of(app)
        await cluster.start()
        knowledge = kb or await asyncio.to_thread(
            KnowledgeBase.open, settings.kb_data_dir, settings.kb_encoder, settings.kb_cache_dir)
        engine = make_engine(settings.database_url)
        await asyncio.to_thread(migrate, settings.database_url)  # locked: replicas may start together
        tighten(settings.database_url, settings.attachments_dir)
        sessions = make_sessionmaker(engine)
        # Staff edits of the catalog (published versions in the database) survive restarts.
        catalog = await asyncio.to_thread(start_catalog, knowledge, sessions)
        remove_inbox_hook = install_resolution_hook(sessions)   # an FAQ published from a group resolves it
        rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds, token=settings.internal_token)
        if not settings.internal_token:
            log.warning("ASSISTANT_INTERNAL_TOKEN is empty: Rasa's action calls will be refused "
                        "(python -m bot run sets one; in production set it for the gateway and Rasa)")
        channels = build_channels(settings, sessions, cluster.lock("zalo-token-refresh"))
        outbox = Outbox(sessions, channels)
        attachments = AttachmentService(sessions, LocalFileStore(settings.attachments_dir),
                                        settings.max_upload_bytes)
        hours = ServiceHours.from_settings(settings.handoff_weekday_hours, settings.handoff_saturday_hours,
                                           settings.handoff_sunday_hours, settings.handoff_follow_holidays)
        handoff = HandoffService(sessions, outbox, rasa, ConsoleHub(cluster.bus), hours,
                                 settings.handoff_agent_timeout_seconds, settings.handoff_default_wait_seconds)
        conversations = ConversationService(sessions, rasa, settings.max_message_chars, people=handoff)
        dossiers = make_dossier_backend(settings, sessions, knowledge, StatusNotifier(outbox))
        # Guards of the money path, on even when the general rate limits are off (0 turns one off).
        payments = PaymentService(
            sessions, make_providers(settings), dossiers, outbox, settings.public_url,
            settings.payment_order_minutes, settings.payment_reconcile_after_minutes,
            api_limiter=cluster.rate_limiter("payments-api", settings.payment_api_ip_per_minute,
                                             settings.payment_api_ip_burst)
            if settings.payment_api_ip_per_minute > 0 else None,
            refused_limiter=cluster.rate_limiter("payments-refused", settings.payment_refused_callbacks_per_minute,
                                                 settings.payment_refused_callbacks_burst)
            if settings.payment_refused_callbacks_per_minute > 0 else None)
        executor = ActionExecutor()
        for action in build_actions(knowledge, drafts=SqlDraftStore(sessions), dossiers=dossiers,
                                    sessions=sessions, payments=payments, handoff=handoff):
            executor.register_action(action)
        inbound = InboundPipeline(conversations, outbox, attachments, channels, sessions)
        services.add(knowledge, KnowledgeBase)
        services.add(catalog, CatalogService)
        services.add(rasa, RasaClient)
        services.add(executor, ActionExecutor)
        services.add(sessions, sessionmaker)
        services.add(StaffAuth(sessions, idle=dt.timedelta(minutes=settings.staff_session_idle_minutes),
                               lifetime=dt.timedelta(hours=settings.staff_session_max_hours)), StaffAuth)
        services.add(conversations, ConversationService)
        for channel in channels.values():   # each by its class: a webhook asks for its own platform's
            services.add(channel)
        services.add(outbox, Outbox)
        services.add(attachments, AttachmentService)
        services.add(dossiers, type(dossiers), DossierBackend, DossierList)   # the console lists a citizen's
        services.add(payments, PaymentService, DossierPayments)   # the dossier page lists a dossier's orders
        services.add(handoff, HandoffService)
        services.add(cluster, Cluster)
        services.add(inbound, InboundPipeline)
        services.add(Inbox(sessions, knowledge, SIMILARITY_THRESHOLD), Inbox)  # one per app: its caches
        catalog_sync = CatalogSync.for_cluster(cluster, knowledge, sessions, catalog)  # None: one process
        background = [asyncio.create_task(outbox.run()),   # claims rows by compare-and-swap: on every replica
                      asyncio.create_task(cluster.exclusive(
                          "payments-reconcile", lambda: payments.run(settings.payment_reconcile_seconds))),
                      asyncio.create_task(cluster.exclusive("handoff-sweep", handoff.run)),
                      asyncio.create_task(cluster.exclusive("inbound-recovery", inbound.run_recovery))]
        if catalog_sync is not None:
            background.append(asyncio.create_task(catalog_sync.run()))
        app.state.warm = False     # a flag, not a service: /ready says no until Rasa and the search are warm

        def mark_warm() -> None:
            app.state.warm = True

        background.append(asyncio.create_task(warm_until_ready(rasa, knowledge.ask, str(os.getpid()), mark_warm)))
        if "telegram" in channels and settings.telegram_mode == "polling":
            # No public URL: fetch updates instead of receiving the webhook.
            background.append(telegram_polling.start(channels["telegram"], inbound))
        log.info("gateway ready: %d documents indexed, channels: %s, payments: %s", len(knowledge.index),
                 ", ".join(channels) or "web only", ", ".join(payments.providers) or "none")
        yield
        await inbound.drain()
        for task in background:
            task.cancel()
        for channel in channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                await close()
        for provider in payments.enabled():
            await provider.aclose()
        await rasa.aclose()
        remove_inbox_hook()
        await cluster.close(background)   # after the jobs let go of their leases
        engine.dispose()

    docs = settings.api_docs if settings.api_docs is not None else is_local_url(settings.public_url)
    app = FastAPI(title="Trợ lý ảo dịch vụ công", version="0.1.0", lifespan=lifespan,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  description="Cổng vào của trợ lý ảo: trò chuyện, tìm kiếm, hành động Rasa.")
    services_of(app).add(settings, Settings)   # known before the lifespan: routes read them from the start
    app.include_router(chat_routes.router)
    app.include_router(search_routes.router)
    app.include_router(action_endpoint.router)
    app.include_router(telegram_webhook.router)
    app.include_router(zalo_webhook.router)
    app.include_router(dossier_pages.router)
    app.include_router(account_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(catalog_pages.router)
    app.include_router(inbox_routes.router)
    app.include_router(payment_routes.router)
    app.include_router(sandbox_routes.router)
    app.include_router(console_routes.router)
    app.include_router(console_routes.ws_router)
    app.include_router(file_routes.router)
    # Each capability ships its own CSS and JS; one /static serves them all.
    static_packages = [(f"bot.{folder.parent.name}", "static") for folder in STATIC_DIRS]
    app.mount("/static", NoSniffStaticFiles(packages=static_packages), name="static")

    @app.get("/", include_in_schema=False)
    async def web_chat() -> FileResponse:
        return FileResponse(template_file("chat.html"), media_type="text/html; charset=utf-8", headers=NOSNIFF)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)   # no icon; browsers stop asking (and logging a 404)

    @app.get("/health", tags=["ops"], summary="Tiến trình còn sống")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"], summary="Sẵn sàng phục vụ (Rasa đã nạp mô hình, đã chạy khởi động nóng)")
    async def ready(request: Request, rasa: Rasa, kb: Knowledge) -> JSONResponse:
        rasa_ready = await rasa.ready()
        warm = bool(getattr(request.app.state, "warm", False))
        body = {"rasa": rasa_ready, "warm": warm, "documents": len(kb.index)}
        return JSONResponse(body, status_code=200 if rasa_ready and warm else 503)

    @app.exception_handler(DBAPIError)
    async def database_unavailable(_: Request, exc: DBAPIError) -> JSONResponse:
        # The database restarting: nothing was acknowledged, so the client may simply send again.
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        return JSONResponse({"error": "Hệ thống đang bận, Anh/Chị vui lòng gửi lại sau ít giây."},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(ServiceError)
    async def refused(_: Request, exc: ServiceError) -> JSONResponse:
        # The one handler of refusals with a reason (staff pages render theirs as a page instead).
        return JSONResponse({"error": str(exc)}, status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(RecursionError)
    async def too_deeply_nested(_: Request, exc: RecursionError) -> JSONResponse:
        # json.loads on thousands of nested "[" gives up with RecursionError: a bad request, not a crash.
        return JSONResponse({"error": "Dữ liệu JSON lồng nhau quá sâu"}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the field and the reason, in Vietnamese, for whoever integrates with the API.
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"),
                   "reason": reason(e)} for e in exc.errors()]
        return JSONResponse({"error": "Yêu cầu không hợp lệ", "details": errors}, status_code=422)

    # request ids, metrics (with the queue gauges), body size, rate limits
    install_ops(app, settings, make_limiter=cluster.rate_limiter, collectors=[QueueGauges(services_of(app))])
    return app
