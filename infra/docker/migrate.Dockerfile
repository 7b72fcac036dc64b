# One-shot migrations of all three service databases (creating them if missing), then exit.
# Only libs/common, each service's migrations/ folder and the runner: no service code.
# Build from the repository root: docker build -f infra/docker/migrate.Dockerfile -t nestegg-migrate .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 nestegg \
    && useradd --system --uid 10001 --gid nestegg --home-dir /app --no-create-home nestegg

WORKDIR /app
COPY constraints.txt ./
COPY libs/common libs/common
RUN pip install -c constraints.txt -e libs/common
COPY services/accounts/migrations services/accounts/migrations
COPY services/ledger/migrations services/ledger/migrations
COPY services/projections/migrations services/projections/migrations
COPY infra/devcluster.py infra/devcluster.py

USER 10001:10001
# Needs NESTEGG_DATABASE_URL (any database on the server; each service's is created if missing).
CMD ["python", "infra/devcluster.py", "migrate"]
