#!/usr/bin/env bash
# Install HematoVision on this Debian 12 machine and run it (README command 1).
#
#   scripts/setup-and-run.sh               install what is missing, then run the worker and the web server
#   scripts/setup-and-run.sh --setup-only  install and prepare, run nothing
#
# Safe to run again: each step checks first. Settings come from the environment and from .env
# (written on the first run for a local HTTP install; see .env.example). The script itself also
# reads BIND_ADDRESS (default 127.0.0.1), PORT (8000), WEB_CONCURRENCY (2 gunicorn workers),
# CELERY_CONCURRENCY (2), ADMIN_EMAIL (admin@localhost), FIRST_LAB_NAME (First lab) and
# PYTHON (the interpreter for .venv, 3.11 or newer).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

SETUP_ONLY=0
case "${1:-}" in
    --setup-only) SETUP_ONLY=1 ;;
    "") ;;
    -h | --help)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown option $1 (try --help)" ;;
esac

write_local_env_file() {
    [ -f .env ] && return 0
    log "Writing .env for a local HTTP install (edit it, or see .env.example for every setting)"
    cat >.env <<EOF
# Written by scripts/setup-and-run.sh on $(date -u +%Y-%m-%d). Every setting: .env.example.
# This install is served over plain HTTP on this machine, so the HTTPS-only protections
# (secure cookies, HSTS, redirect to https) are off. Behind HTTPS, set SECURE_HTTPS=1.
SECURE_HTTPS=0
DEBUG=0
EOF
    chmod 600 .env
}

manage() { "$VENV_PYTHON" manage.py "$@"; }

prepare_database() {
    log "Migrating the database"
    manage migrate --noinput
    log "Collecting static files"
    manage collectstatic --noinput --verbosity 0
    log "Registering the default model bundle"
    manage register_default_model
}

# Training with --backbone efficientnet_lite0 needs its ImageNet weights in Keras form; the
# conversion reads the PyTorch file shipped by a pip package (no torch, no download).
convert_lite0_weights() {
    local target="${KERAS_HOME:-$HOME/.keras}/models/efficientnet_lite0_imagenet_notop.weights.h5"
    [ -f "$target" ] && return 0
    log "Converting the EfficientNet-Lite0 ImageNet weights for training"
    "$VENV_PYTHON" scripts/convert_efficientnet_lite.py || log "Lite0 conversion failed (only training that backbone needs it)"
}

# The first run creates a lab admin of a first lab who is also a superuser (Django admin),
# and prints the log-in once; the password is kept nowhere.
create_first_admin() {
    local email="${ADMIN_EMAIL:-admin@localhost}" lab="${FIRST_LAB_NAME:-First lab}" output password
    if [ "$(manage shell --no-imports -c 'from accounts.models import User
print(User.objects.filter(is_superuser=True).exists())' | tail -1)" = "True" ]; then
        log "An admin exists already (forgot the password? .venv/bin/python manage.py changepassword EMAIL)"
        return 0
    fi
    log "Creating the first admin $email (lab admin of \"$lab\", and superuser)"
    # adduser generates the password and prints it; it never appears on a command line.
    output="$(manage adduser "$email" --lab "$lab" --role lab_admin)"
    password="$(printf '%s\n' "$output" | sed -n 's/^Password: //p')"
    [ -n "$password" ] || die "adduser printed no password: $output"
    ADMIN_EMAIL="$email" manage shell --no-imports -c 'import os
from accounts.models import User
User.objects.filter(email__iexact=os.environ["ADMIN_EMAIL"]).update(is_staff=True, is_superuser=True)'
    FIRST_LOGIN="    email:    $email
    password: $password"
}

start_worker() {
    local pidfile="$DATA_DIR/run/worker.pid" old_pid name
    mkdir -p "$DATA_DIR/run" "$DATA_DIR/logs"
    # Workers left over from an earlier run of this script (killed with SIGKILL) are replaced.
    for name in worker train-worker; do
        if old_pid="$(cat "$DATA_DIR/run/$name.pid" 2>/dev/null)" && kill -0 "$old_pid" 2>/dev/null; then
            log "Stopping the $name of an earlier run (pid $old_pid)"
            kill "$old_pid"
            for _ in $(seq 100); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.2; done
        fi
    done
    log "Starting the Celery worker (queues classify, explain, celery; log $DATA_DIR/logs/worker.log)"
    "$VENV_DIR/bin/celery" -A hematoportal worker -B -Q classify,explain,celery \
        --concurrency "${CELERY_CONCURRENCY:-2}" --loglevel INFO \
        --schedule "$DATA_DIR/run/celerybeat-schedule" --pidfile "$pidfile" \
        >>"$DATA_DIR/logs/worker.log" 2>&1 &
    WORKER_PID=$!
    # Adaptations (minutes of training) get a worker of their own with one process, so that
    # classification and heatmaps never wait behind them.
    log "Starting the train worker (queue train; log $DATA_DIR/logs/train-worker.log)"
    "$VENV_DIR/bin/celery" -A hematoportal worker -Q train -n "train@%h" --concurrency 1 \
        --loglevel INFO --pidfile "$DATA_DIR/run/train-worker.pid" \
        >>"$DATA_DIR/logs/train-worker.log" 2>&1 &
    TRAIN_WORKER_PID=$!
}

# Both servers run in the background so that Ctrl-C or a TERM reaches this script at once
# (bash runs traps only between commands); it then stops both, gracefully.
stop_servers() {
    trap - INT TERM EXIT
    kill ${WEB_PID:-} ${WORKER_PID:-} ${TRAIN_WORKER_PID:-} 2>/dev/null || true
    wait 2>/dev/null || true
}

run_web_server() {
    local bind="${BIND_ADDRESS:-127.0.0.1}" port="${PORT:-8000}" debug
    if "$VENV_PYTHON" -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)' \
        "$bind" "$port" 2>/dev/null; then
        die "Something already listens on $bind:$port (HematoVision running elsewhere?); set PORT=..."
    fi
    debug="$(manage shell --no-imports -c 'from django.conf import settings; print(settings.DEBUG)' | tail -1)"
    echo
    echo "HematoVision runs at http://$bind:$port/  (Ctrl-C stops the web server and the worker)"
    [ -n "${FIRST_LOGIN:-}" ] && printf 'Log in as the first admin (shown only this once):\n%s\n' "$FIRST_LOGIN"
    echo
    if [ "$debug" = "True" ]; then
        manage runserver --noreload "$bind:$port" &
    else
        "$VENV_DIR/bin/gunicorn" hematoportal.wsgi --bind "$bind:$port" --no-control-socket \
            --workers "${WEB_CONCURRENCY:-2}" --timeout 120 --access-logfile - &
    fi
    WEB_PID=$!
    # Whichever stops first (a crash, a signal) stops the other, and its status is ours.
    local status=0
    wait -n "$WEB_PID" "$WORKER_PID" || status=$?
    return $status
}

apt_install "${BASE_PACKAGES[@]}"
ensure_venv
write_local_env_file
load_env_file .env
DATA_DIR="${HEMATOVISION_DATA_DIR:-$HOME/.local/share/hematovision}"
mkdir -p "$DATA_DIR"
ensure_redis "${REDIS_URL:-redis://127.0.0.1:6379/0}" "$DATA_DIR/redis"
prepare_database
convert_lite0_weights
create_first_admin
if [ "$SETUP_ONLY" = 1 ]; then
    [ -n "${FIRST_LOGIN:-}" ] && printf 'First admin log-in (shown only this once):\n%s\n' "$FIRST_LOGIN"
    log "Set up; run scripts/setup-and-run.sh to start the worker and the web server"
    exit 0
fi
trap 'stop_servers; exit 130' INT TERM
trap stop_servers EXIT
start_worker
run_web_server
