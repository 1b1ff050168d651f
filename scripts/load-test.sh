#!/usr/bin/env bash
# Load-test a throw-away HematoVision stack on this machine: a Redis of its own on a free port,
# SQLite in a temporary folder, the Celery worker and gunicorn as scripts/setup-and-run.sh
# starts them; then `manage.py loadtest` drives it over HTTP and everything is stopped and
# deleted. Nothing of an existing install is touched.
#
#   scripts/load-test.sh --clients 8 --images 320 --image-dir /path/to/pbc/images
#
# Extra arguments go to `manage.py loadtest`. WEB_CONCURRENCY (gunicorn processes, 2),
# CELERY_CONCURRENCY (worker processes, 2), DATABASE_URL (default: SQLite in the temporary
# folder) and PYTHON (default .venv/bin/python) are read.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
WORK="$(mktemp -d /tmp/hematovision-load.XXXXXX)"

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
REDIS_PORT="$(free_port)"
WEB_PORT="$(free_port)"
SECRET_KEY="load-test-$(date +%s%N)"
export ENV_FILE=/dev/null DEBUG=0 SECURE_HTTPS=0 SECRET_KEY
export HEMATOVISION_DATA_DIR="$WORK" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$WORK/db.sqlite3}"
PIDS=()

stop() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap stop EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --dir "$WORK" --daemonize yes \
    --logfile "$WORK/redis.log"
"$PYTHON" manage.py migrate -v0
"$PYTHON" manage.py register_default_model >/dev/null
"$PYTHON" manage.py adduser load-test@example.org --lab "Load test" --role technologist >/dev/null
"$PYTHON" -m celery -A hematoportal worker -Q classify,celery \
    --concurrency "${CELERY_CONCURRENCY:-2}" --loglevel WARNING >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
"$PYTHON" -m gunicorn hematoportal.wsgi --bind "127.0.0.1:$WEB_PORT" --no-control-socket \
    --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-1}" --timeout 120 \
    >"$WORK/web.log" 2>&1 &
PIDS+=($!)

# Ready when /healthz says so: database, broker, a worker with the model loaded.
for _ in $(seq 240); do
    curl -fs "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fs "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null || {
    echo "The stack did not become healthy:" >&2
    tail -20 "$WORK/worker.log" "$WORK/web.log" >&2
    exit 1
}
"$PYTHON" manage.py loadtest --url "http://127.0.0.1:$WEB_PORT" --email load-test@example.org "$@"
