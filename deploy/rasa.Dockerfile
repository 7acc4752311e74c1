# Rasa engine image (rasa 3.6.21, Python 3.10). Build from the repository root:
#   docker build -f deploy/rasa.Dockerfile -t assistant-rasa .
# The trained model is part of the image, so every replica runs the same model. By default it is
# copied from models/assistant.tar.gz, which `python -m bot prepare` (CI, or `make prepare`) made;
# with --build-arg MODEL_SOURCE=train a build stage trains it instead (1–2 minutes on 2 cores).
ARG MODEL_SOURCE=context

FROM python:3.10-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TF_INTER_OP_PARALLELISM_THREADS=1 \
    TF_INTRA_OP_PARALLELISM_THREADS=1 \
    OMP_NUM_THREADS=1
WORKDIR /app
COPY requirements-rasa.txt ./
RUN pip install -r requirements-rasa.txt
# The custom NLU step (config.yml: rasa_addons.gibberish.GibberishFallback) is imported at run time;
# importing the package also puts in place the engine speed-ups (rasa_addons/__init__.py).
# One TensorFlow thread per replica: scale with replicas, not threads (bot/launcher.py).
COPY rasa_addons ./rasa_addons
COPY credentials.yml ./credentials.yml

# --- the model: copied from the build context (default) …
FROM base AS model-context
COPY models/assistant.tar.gz /app/models/assistant.tar.gz

# --- … or trained here from the Rasa project files.
FROM base AS model-train
COPY config.yml domain.yml ./
COPY data ./data
RUN rasa train --fixed-model-name assistant --out /app/models --force \
 && rm -rf /app/.rasa

FROM model-${MODEL_SOURCE} AS final
COPY deploy/endpoints.yml /app/deploy/endpoints.yml
RUN useradd --system --uid 10001 --home-dir /app rasa \
 && mkdir -p /app/.rasa \
 && chown -R rasa /app/.rasa
USER rasa
ENV HOME=/app
EXPOSE 5005
# No --cors: only the gateway talks to Rasa, on the internal network. The HTTP API is enabled for
# the gateway's tracker calls (/status, /conversations/{id}/tracker/events), is never published,
# and refuses any call without ASSISTANT_INTERNAL_TOKEN (trackers hold căn cước numbers).
CMD ["sh", "-c", "exec rasa run --enable-api --auth-token=\"$ASSISTANT_INTERNAL_TOKEN\" --interface 0.0.0.0 --port 5005 --model /app/models/assistant.tar.gz --endpoints /app/deploy/endpoints.yml --credentials /app/credentials.yml --response-timeout 60"]
