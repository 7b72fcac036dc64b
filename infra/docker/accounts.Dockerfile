# The accounts process, and nothing else: libs/common and services/accounts only.
# Build from the repository root: docker build -f infra/docker/accounts.Dockerfile -t nestegg-accounts .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NESTEGG_HOST=0.0.0.0 \
    NESTEGG_ACCOUNTS_PORT=8081

RUN groupadd --system --gid 10001 nestegg \
    && useradd --system --uid 10001 --gid nestegg --home-dir /app --no-create-home nestegg

WORKDIR /app
COPY constraints.txt ./
COPY libs/common libs/common
COPY services/accounts services/accounts
# Editable installs from this tree: the service finds its migrations at
# `<package dir>/../migrations` (/app/services/accounts/migrations), which /readyz compares.
RUN pip install -c constraints.txt -e libs/common -e services/accounts

USER 10001:10001
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=2)"]
CMD ["python", "-m", "accounts"]
