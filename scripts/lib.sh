# shellcheck shell=bash
# Shared steps of scripts/setup-and-run.sh and scripts/test.sh (sourced, not run).
#
# Every step checks before it acts, so running a script twice changes nothing the second time:
# Debian packages are installed only when missing, the virtualenv is rebuilt only when
# requirements.txt changed, and Redis/PostgreSQL are started only when nothing answers.

shopt -s inherit_errexit  # a failing step inside $(...) stops the script too

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="$REPO_DIR/.venv"
VENV_PYTHON="$VENV_DIR/bin/python"

# What the portal needs from Debian: Python with venv and headers (packages that compile),
# Redis, WeasyPrint's text-layout libraries and fonts for the PDF reports (Lohit Devanagari for
# Hindi), and gettext to compile the translation catalogues (locale/).
# shellcheck disable=SC2034  # used by the scripts that source this file
BASE_PACKAGES=(
    ca-certificates python3 python3-venv python3-dev build-essential
    redis-server redis-tools
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
    fonts-dejavu-core fonts-lohit-deva shared-mime-info gettext
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
    printf '\033[31merror:\033[0m %s\n' "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root, and sudo is not installed: run it as root, then run this script again."
    fi
}

# Run a command as the service user when setup-and-run.sh, run as root, set SERVICE_USER (and
# SERVICE_HOME, its data folder); else as ourselves. setpriv execs the command itself, so a
# signal sent to its pid reaches the command (runuser would stay in between, and SIGKILL it 2 s
# after a TERM, cutting a graceful shutdown short).
as_service() {
    if [ -n "${SERVICE_USER:-}" ]; then
        setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- \
            env HOME="$SERVICE_HOME" USER="$SERVICE_USER" LOGNAME="$SERVICE_USER" "$@"
    else
        "$@"
    fi
}

apt_install() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} yourself (Debian 12 is supported)."
    log "Installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Read KEY=VALUE lines of an env file into the environment, without overriding what is
# already set (the settings read the same file the same way).
load_env_file() {
    local file="$1" line key value
    [ -f "$file" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        key="${line%%=*}"
        key="${key#export }"
        key="$(printf '%s' "$key" | tr -d '[:space:]')"
        value="${line#*=}"
        value="${value%\"}" && value="${value#\"}"
        value="${value%\'}" && value="${value#\'}"
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        [ -n "${!key+set}" ] || export "$key=$value"
    done <"$file"
}

# The interpreter for .venv; run as root, one the service user can run too (not one of root's
# own, e.g. under /root/.pyenv, which other users cannot reach).
choose_python() {
    local candidate path
    for candidate in "${PYTHON:-}" python3 /usr/bin/python3; do
        [ -n "$candidate" ] || continue
        # The path root finds is the one .venv will point at, so that exact file is tried.
        path="$(command -v "$candidate")" || continue
        if as_service "$path" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$path"
            return 0
        fi
    done
    die "Python 3.11 or newer not found (set PYTHON=/path/to/python3)."
}

# .venv with requirements.txt installed; a stamp records which requirements it holds.
ensure_venv() {
    local python stamp wanted
    stamp="$VENV_DIR/.requirements.sha256"
    if ! as_service "$VENV_PYTHON" -c 'import sys' >/dev/null 2>&1; then
        python="$(choose_python)"
        log "Creating the virtualenv .venv with $python ($("$python" --version 2>&1))"
        rm -rf "$VENV_DIR"
        "$python" -m venv "$VENV_DIR" || die "'$python -m venv' failed (Debian: apt-get install python3-venv)."
    fi
    wanted="$(sha256sum "$REPO_DIR/requirements.txt" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        log "Installing requirements.txt into .venv (the first time takes a few minutes)"
        "$VENV_PYTHON" -m pip install --quiet --upgrade pip
        "$VENV_PYTHON" -m pip install --quiet -r "$REPO_DIR/requirements.txt"
        echo "$wanted" >"$stamp"
    fi
}

# Host and port of a redis:// or postgres:// URL, e.g. "127.0.0.1 6379".
url_host_port() {
    "$VENV_PYTHON" - "$1" "$2" <<'EOF'
import sys
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1])
print(url.hostname or "127.0.0.1", url.port or int(sys.argv[2]))
EOF
}

is_local_host() {
    case "$1" in 127.0.0.1 | localhost | ::1 | "") return 0 ;; *) return 1 ;; esac
}

redis_answers() {
    "$VENV_PYTHON" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()' \
        "$1" >/dev/null 2>&1
}

# Redis must answer on REDIS_URL; a local one is started (keeping its data in $2) if none does.
ensure_redis() {
    local url="$1" data_dir="$2" host port
    redis_answers "$url" && return 0
    read -r host port <<<"$(url_host_port "$url" 6379)"
    is_local_host "$host" || die "Redis at $url does not answer (it is not on this machine, so it is not started here)."
    log "Starting Redis on $host:$port (data and log in $data_dir)"
    as_service mkdir -p "$data_dir"
    as_service redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$data_dir" \
        --logfile "$data_dir/redis.log" --pidfile "$data_dir/redis.pid" >/dev/null ||
        die "redis-server did not start; see $data_dir/redis.log"
    for _ in $(seq 50); do
        redis_answers "$url" && return 0
        sleep 0.2
    done
    die "Redis started but does not answer on $url; see $data_dir/redis.log"
}
