# Pitboard image: the CLI, the Scrapy project, the Prefect flows, and scrapy-redis and Dask for the
# scale-out services (used by docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg alembic.ini ./
COPY crawler ./crawler
COPY etl ./etl
COPY flows ./flows
COPY samplesite ./samplesite
RUN python -m pip install --upgrade pip && python -m pip install '.[scale]'

# Runs as an unprivileged user; PITBOARD_HOME holds nothing important when
# PITBOARD_DATABASE_URL points at the compose PostgreSQL.
RUN useradd --create-home pitboard
USER pitboard
ENV PITBOARD_HOME=/home/pitboard/.pitboard
ENTRYPOINT ["pitboard"]
CMD ["--help"]
