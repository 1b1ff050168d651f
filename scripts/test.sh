#!/usr/bin/env bash
# Install what the tests need on this Debian 12 machine and run them all (README command 2).
#
#   scripts/test.sh               ruff, lint-imports, the whole suite on SQLite, then the portal's
#                                 tests on PostgreSQL (what CI runs)
#   scripts/test.sh --fast        ruff, lint-imports and the tests not marked slow, integration or
#                                 browser, on SQLite only: a developer's inner loop
#   scripts/test.sh -k upload     extra arguments go to the pytest runs
#
# The suite includes the integration tests (a real Redis and a real Celery worker) and the browser
# tests (Playwright driving Debian's chromium), so Redis and PostgreSQL are started here when
# nothing answers. TEST_REDIS_URL (default redis://127.0.0.1:6379/15) and TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/hematovision) choose the servers; the tests create
# and drop their own test database (test_<name>).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"

TEST_PACKAGES=(chromium fonts-liberation shellcheck)
POSTGRES_ROLE=hematovision

postgres_answers() {
    "$VENV_PYTHON" -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' \
        "$1" 2>/dev/null
}

postgres_listens() {
    "$VENV_PYTHON" -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)' \
        "$1" "$2" 2>/dev/null
}

start_local_postgres() {
    local host="$1" port="$2" version
    apt_install postgresql
    postgres_listens "$host" "$port" && return 0  # the package started it
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -1)"
    [ -n "$version" ] || die "PostgreSQL is installed but has no cluster (pg_createcluster 15 main)."
    log "Starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

# Prints the URL the tests will use. On a fresh Debian install TCP log-ins need a password,
# so a role with one (and the right to create the test database) is created for the tests.
ensure_postgres() {
    local url="$1" host port db_url
    read -r host port <<<"$(url_host_port "$url" 5432)"
    if ! postgres_listens "$host" "$port"; then
        is_local_host "$host" || die "PostgreSQL at $host:$port does not answer."
        start_local_postgres "$host" "$port" >&2
        for _ in $(seq 60); do postgres_listens "$host" "$port" && break; sleep 0.5; done
    fi
    db_url="${url%/*}/postgres"
    if postgres_answers "$db_url"; then
        echo "$url"
        return 0
    fi
    [ -n "${TEST_POSTGRES_URL:-}" ] && die "Cannot log in to PostgreSQL with TEST_POSTGRES_URL=$url"
    is_local_host "$host" || die "Cannot log in to PostgreSQL at $url"
    log "Creating the PostgreSQL role $POSTGRES_ROLE for the tests" >&2
    as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$POSTGRES_ROLE') THEN
            CREATE ROLE $POSTGRES_ROLE LOGIN CREATEDB PASSWORD '$POSTGRES_ROLE';
        END IF; END \$\$;" >&2
    echo "postgres://$POSTGRES_ROLE:$POSTGRES_ROLE@$host:$port/hematovision"
}

declare -a RESULTS=()
FAILED=0
step() {
    local name="$1" start status=0
    shift
    log "$name"
    start=$SECONDS
    "$@" || status=$?
    RESULTS+=("$(printf '%-48s %s  %4ds' "$name" "$([ $status -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - start)))")
    [ $status -eq 0 ] || FAILED=1
}

FAST=0
if [ "${1:-}" = "--fast" ]; then
    FAST=1
    shift
fi

started=$SECONDS
if [ $FAST -eq 1 ]; then
    apt_install "${BASE_PACKAGES[@]}"
else
    apt_install "${BASE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
fi
ensure_venv
# The tests must not depend on a developer's .env (the settings read ENV_FILE instead of .env).
export ENV_FILE=/dev/null
HEMATOVISION_DATA_DIR="${TMPDIR:-/tmp}/hematovision-tests-$(id -u)"
export HEMATOVISION_DATA_DIR
mkdir -p "$HEMATOVISION_DATA_DIR/static"  # WhiteNoise warns about a missing STATIC_ROOT
# The pages under test are rendered in every language: the .mo files are built, never committed.
log "Compiling the translation catalogues"
"$VENV_PYTHON" manage.py compilemessages --ignore .venv --verbosity 0

if [ $FAST -eq 1 ]; then
    step "ruff check" "$VENV_DIR/bin/ruff" check .
    step "lint-imports" "$VENV_DIR/bin/lint-imports"
    step "pytest, not slow/integration/browser, SQLite" env -u DATABASE_URL "$VENV_PYTHON" -m pytest \
        -m "not slow and not integration and not browser" "$@"
    printf '%s\n' "${RESULTS[@]}"
    echo "Total: $((SECONDS - started))s"
    exit $FAILED
fi

export REQUIRE_TEST_SERVICES=1
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
ensure_redis "$TEST_REDIS_URL" "$HEMATOVISION_DATA_DIR/redis"
postgres_url="$(ensure_postgres "${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/hematovision}")"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
log "Installed and started in $((SECONDS - started))s"

step "ruff check" "$VENV_DIR/bin/ruff" check .
step "ruff format --check" "$VENV_DIR/bin/ruff" format --check .
step "lint-imports" "$VENV_DIR/bin/lint-imports"
step "shellcheck" shellcheck -x scripts/lib.sh scripts/setup-and-run.sh scripts/test.sh .ci/run
step "pytest, whole suite, SQLite" env -u DATABASE_URL "$VENV_PYTHON" -m pytest --durations=10 "$@"
step "pytest, portal tests (not ml/), PostgreSQL" env DATABASE_URL="$postgres_url" \
    "$VENV_PYTHON" -m pytest --durations=10 --ignore=tests/ml "$@"

echo
printf '%s\n' "${RESULTS[@]}"
echo "Total: $((SECONDS - started))s"
exit $FAILED
