# accountsync: `accountsync serve` (scheduler, queue workers, admin API and dashboard) as a non-root container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ACCOUNTSYNC_STATE_DIR=/var/lib/accountsync \
    ACCOUNTSYNC_CONFIG=/etc/accountsync/accountsync.yaml

WORKDIR /app

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when the dependencies change.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

# Then the code (the local CRM sandbox, tests and benchmarks stay out: see .dockerignore).
COPY README.md ./
COPY config ./config
COPY connectors ./connectors
COPY scoring ./scoring
COPY sync ./sync
COPY accountsync ./accountsync
# Editable: sync/store/migrations/versions has no __init__.py, so a plain install would leave the migrations out.
RUN pip install --no-deps --editable . \
    && useradd --system --uid 10001 --home-dir /var/lib/accountsync --create-home accountsync \
    && mkdir -p /etc/accountsync \
    && rm -rf /app/build

USER accountsync
EXPOSE 8000

# /healthz answers while the process is up; /readyz also checks the store (for orchestrators' readiness).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# SIGTERM: workers checkpoint their run after the current page and put it back in the queue.
STOPSIGNAL SIGTERM
ENTRYPOINT ["accountsync"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
