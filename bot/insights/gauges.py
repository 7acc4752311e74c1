"""Queue gauges for Prometheus, read from the database at each scrape: what is waiting in the
outbox, open handoffs by team, pending payment orders by provider. They live here, above the
capabilities whose tables they read; ``bot.ops.metrics`` only registers them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.conversation.outbox import Outbox
from bot.core.services import Services
from bot.handoff.models import Handoff
from bot.ops.metrics import KNOWN_TEAMS, metric_label
from bot.payments.models import PaymentOrder
from bot.payments.service import PaymentService

log = logging.getLogger(__name__)


class QueueGauges(Collector):
    """Gauges read from the database at scrape time, through the services the lifespan registered.
    Before the lifespan ran (or when the database fails) only ``gateway_database_up`` is reported."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def describe(self) -> Iterable[Metric]:
        return []  # no query at registration time

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("gateway_database_up", "1 when the gauges below could be read.")
        sessions = self._services.find(sessionmaker)
        outbox = self._services.find(Outbox)
        if sessions is None or outbox is None:
            up.add_metric([], 0)
            yield up
            return
        try:
            queued = outbox.pending_count()
            with sessions() as session:
                handoffs = session.execute(
                    select(Handoff.status, Handoff.team, func.count()).where(
                        Handoff.status.in_(["waiting", "active"])).group_by(Handoff.status, Handoff.team)).all()
                orders = session.execute(
                    select(PaymentOrder.provider, func.count()).where(PaymentOrder.status == "pending")
                    .group_by(PaymentOrder.provider)).all()
        except Exception:  # a scrape must still answer, and say the database is not readable
            log.warning("metrics: database gauges unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        outbox_gauge = GaugeMetricFamily("gateway_outbox_pending", "Outbox messages not yet delivered.")
        outbox_gauge.add_metric([], queued)
        yield outbox_gauge

        # Zeros for the known teams, so "waiting > 0" alerts see a series even when all is quiet.
        counts = {(status, team): 0 for status in ("waiting", "active") for team in KNOWN_TEAMS}
        counts.update({(status, metric_label(team)): n for status, team, n in handoffs})
        handoff_gauge = GaugeMetricFamily("gateway_handoffs", "Handoffs open now, by status and team.",
                                          labels=["status", "team"])
        for (status, team), n in sorted(counts.items()):
            handoff_gauge.add_metric([status, team], n)
        yield handoff_gauge

        payments = self._services.find(PaymentService)
        enabled = payments.providers if payments is not None else {}
        pending = {metric_label(name): 0 for name in enabled}
        pending.update({metric_label(provider): n for provider, n in orders})
        orders_gauge = GaugeMetricFamily("gateway_payment_orders_pending", "Payment orders still pending.",
                                         labels=["provider"])
        for provider, n in sorted(pending.items()):
            orders_gauge.add_metric([provider], n)
        yield orders_gauge
