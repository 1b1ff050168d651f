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
# PYTHON (the interpreter for .venv, 3.11 or newer). Run as root, it runs the portal as the
# system user hematovision (created if missing), with its data in /var/lib/hematovision.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

SETUP_ONLY=0
case "${1:-}" in
    --setup-only) SETUP_ONLY=1 ;;
    "") ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
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

SERVICE_NAME=hematovision

# Run as root, the script installs as root but the portal runs as a system user without a login
# shell, who may read the repository, .venv, .env and .secret_key, and write only its data folder.
ensure_service_user() {
    if ! id -u "$SERVICE_NAME" >/dev/null 2>&1; then
        log "Creating the system user $SERVICE_NAME (no login shell) to run the portal"
        useradd --system --user-group --home-dir /var/lib/hematovision --no-create-home \
            --shell /usr/sbin/nologin "$SERVICE_NAME"
    fi
    SERVICE_USER="$SERVICE_NAME"
    SERVICE_HOME="$DATA_DIR"
    as_service test -r "$REPO_DIR/manage.py" ||
        die "The user $SERVICE_NAME cannot read $REPO_DIR (a folder above it, such as /root, is closed to other users). Put the repository elsewhere, e.g. /opt/hematovision, or run this script as a normal user with sudo."
}

# The data folder belongs to the service user. Files left by an earlier run as root (before the
# service user existed) are handed over once; the next run finds nothing to change.
own_data_dir() {
    case "$DATA_DIR" in
        / | /root | /home | /etc | /usr | /var | /var/lib | /opt | /tmp)
            die "HEMATOVISION_DATA_DIR=$DATA_DIR would hand a system folder to $SERVICE_NAME; use a folder of its own." ;;
    esac
    mkdir -p "$DATA_DIR"
    if [ -n "$(find "$DATA_DIR" ! -user "$SERVICE_NAME" -print -quit)" ]; then
        log "Handing $DATA_DIR over to $SERVICE_NAME"
        chown -R "$SERVICE_NAME:$SERVICE_NAME" "$DATA_DIR"
    fi
    chmod 750 "$DATA_DIR"
    as_service test -w "$DATA_DIR" ||
        die "The user $SERVICE_NAME cannot reach $DATA_DIR (a folder above it is closed to other users); set HEMATOVISION_DATA_DIR to a folder it can reach."
}

# .env and the generated .secret_key: readable by their owner and the service user's group only.
# The key is made here: the settings, run as the service user, could not write it into the repository.
share_secret_files() {
    if [ -z "${SECRET_KEY:-}${SECRET_KEY_FILE:-}" ] && [ ! -f .secret_key ]; then
        (umask 077 && "$VENV_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))' >.secret_key)
    fi
    local file
    for file in .env .secret_key; do
        [ -f "$file" ] || continue
        chgrp "$SERVICE_NAME" "$file"
        chmod 640 "$file"
    done
}

# The processes read .venv and the repository: check that the service user can import them.
check_service_can_read() {
    as_service "$VENV_PYTHON" -c 'import django, celery, gunicorn, hematoportal.settings' ||
        die "The user $SERVICE_NAME cannot load the portal from $REPO_DIR (files not readable by others? chmod -R o+rX $REPO_DIR; a .venv made with an interpreter under /root? delete .venv and run again)."
}

# Everything that writes the data folder (database, static files, media) runs as the service user.
manage() { as_service "$VENV_PYTHON" manage.py "$@"; }

prepare_database() {
    log "Migrating the database"
    manage migrate --noinput
    log "Compiling the translation catalogues"
    # Writes locale/*/LC_MESSAGES/*.mo into the repository: as the invoking user.
    "$VENV_PYTHON" manage.py compilemessages --ignore .venv --verbosity 0
    log "Collecting static files"
    manage collectstatic --noinput --verbosity 0
    log "Registering the default model bundle"
    manage register_default_model
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
    as_service mkdir -p "$DATA_DIR/run" "$DATA_DIR/logs"
    # Workers left over from an earlier run of this script (killed with SIGKILL) are replaced.
    # The service user writes the pid files, so it is also the one who may kill those pids.
    for name in worker explain-worker train-worker; do
        if old_pid="$(cat "$DATA_DIR/run/$name.pid" 2>/dev/null)" && as_service kill -0 "$old_pid" 2>/dev/null; then
            log "Stopping the $name of an earlier run (pid $old_pid)"
            as_service kill "$old_pid"
            for _ in $(seq 100); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.2; done
        fi
    done
    log "Starting the Celery worker (queues classify, celery; log $DATA_DIR/logs/worker.log)"
    # The log is opened by the worker's user: root must not write into the service user's folder
    # (a link there could point anywhere). exec keeps the pid, so $! is the worker's.
    # shellcheck disable=SC2016  # $0 and $@ belong to the inner bash
    as_service bash -c 'exec "$@" >>"$0" 2>&1' "$DATA_DIR/logs/worker.log" \
        "$VENV_PYTHON" -m celery -A hematoportal worker -B -Q classify,celery \
        --concurrency "${CELERY_CONCURRENCY:-2}" --loglevel INFO \
        --schedule "$DATA_DIR/run/celerybeat-schedule" --pidfile "$pidfile" &
    WORKER_PID=$!
    # Heatmaps (Grad-CAM, LIME) load TensorFlow: a worker of their own with one process, so that
    # the classification processes stay small (no TensorFlow) and never wait behind them.
    log "Starting the explain worker (queue explain; log $DATA_DIR/logs/explain-worker.log)"
    # shellcheck disable=SC2016  # $0 and $@ belong to the inner bash
    as_service bash -c 'exec "$@" >>"$0" 2>&1' "$DATA_DIR/logs/explain-worker.log" \
        "$VENV_PYTHON" -m celery -A hematoportal worker -Q explain -n "explain@%h" --concurrency 1 \
        --loglevel INFO --pidfile "$DATA_DIR/run/explain-worker.pid" &
    EXPLAIN_WORKER_PID=$!
    # Adaptations (minutes of training) get a worker of their own with one process, so that
    # classification and heatmaps never wait behind them.
    log "Starting the train worker (queue train; log $DATA_DIR/logs/train-worker.log)"
    # shellcheck disable=SC2016  # $0 and $@ belong to the inner bash
    as_service bash -c 'exec "$@" >>"$0" 2>&1' "$DATA_DIR/logs/train-worker.log" \
        "$VENV_PYTHON" -m celery -A hematoportal worker -Q train -n "train@%h" --concurrency 1 \
        --loglevel INFO --pidfile "$DATA_DIR/run/train-worker.pid" &
    TRAIN_WORKER_PID=$!
}

# Both servers run in the background so that Ctrl-C or a TERM reaches this script at once
# (bash runs traps only between commands); it then stops both, gracefully.
stop_servers() {
    trap - INT TERM EXIT
    kill ${WEB_PID:-} ${WORKER_PID:-} ${EXPLAIN_WORKER_PID:-} ${TRAIN_WORKER_PID:-} 2>/dev/null || true
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
    [ -n "${SERVICE_USER:-}" ] && echo "Both run as the user $SERVICE_USER; data in $DATA_DIR"
    [ -n "${FIRST_LOGIN:-}" ] && printf 'Log in as the first admin (shown only this once):\n%s\n' "$FIRST_LOGIN"
    echo
    if [ "$debug" = "True" ]; then
        manage runserver --noreload "$bind:$port" &
    else
        as_service "$VENV_PYTHON" -m gunicorn hematoportal.wsgi --bind "$bind:$port" --no-control-socket \
            --workers "${WEB_CONCURRENCY:-2}" --timeout 120 --access-logfile - &
    fi
    WEB_PID=$!
    # Whichever stops first (a crash, a signal) stops the other, and its status is ours.
    local status=0
    wait -n "$WEB_PID" "$WORKER_PID" || status=$?
    return $status
}

if [ "$(id -u)" -eq 0 ]; then
    umask 022  # .venv and the compiled catalogues must be readable by the service user
fi
apt_install "${BASE_PACKAGES[@]}"
write_local_env_file
load_env_file .env
if [ "$(id -u)" -eq 0 ]; then
    # Exported: the settings, run as the service user, must find the same folder.
    export HEMATOVISION_DATA_DIR="${HEMATOVISION_DATA_DIR:-/var/lib/hematovision}"
    DATA_DIR="$HEMATOVISION_DATA_DIR"
    ensure_service_user
    own_data_dir
    ensure_venv
    share_secret_files
    check_service_can_read
else
    DATA_DIR="${HEMATOVISION_DATA_DIR:-$HOME/.local/share/hematovision}"
    mkdir -p "$DATA_DIR"
    ensure_venv
fi
ensure_redis "${REDIS_URL:-redis://127.0.0.1:6379/0}" "$DATA_DIR/redis"
prepare_database
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
