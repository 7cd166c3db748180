# Woodshed: the web process. Build: `docker build -t woodshed .`; run with docker-compose.yml.
# Everything is installed from pinned versions (constraints.txt) into a virtual environment in
# a build stage, so the final image holds no compilers and no pip cache.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY woodshed ./woodshed
RUN /venv/bin/pip install --constraint constraints.txt ".[redis]"

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WOODSHED_ENV=production \
    WOODSHED_INSTANCE_PATH=/data
RUN groupadd --system --gid 10001 woodshed \
 && useradd --system --uid 10001 --gid woodshed --home-dir /data --shell /usr/sbin/nologin woodshed \
 && mkdir /data && chown woodshed:woodshed /data
COPY --from=build /venv /venv
USER woodshed
WORKDIR /data
# The SQLite database (if used), generated files and uploads (WOODSHED_STORAGE_PATH) live here.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Migrate first (safe to repeat), then hand the process over to gunicorn.
CMD ["sh", "-c", "woodshed db upgrade && exec woodshed serve --host 0.0.0.0 --port 8000"]
