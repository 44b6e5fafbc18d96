#!/usr/bin/env bash
# Starts or stops a local sora-fcgi stack: [simulated upstream] + `sora fcgi` (spawn-fcgi or
# fcgiwrap) + nginx, all under one state directory, all on 127.0.0.1. Used by `make run`,
# `make stop` and the end-to-end tests.
#
#   nginx/stack.sh start DIR PORT     start (prints the URL); DIR holds config, spool, media, logs
#   nginx/stack.sh stop DIR           stop nginx, responder and simulator (workers finish on their own)
#   nginx/stack.sh kill-workers DIR   also stop workers of this stack (tests)
#   nginx/stack.sh front DIR PORT     (re)start only responder + nginx, keeping config and simulator
#
# Environment:
#   SORA_BIN          the sora binary (default .build/debug/sora)
#   SORA_API_KEY      real key: talk to SORA_BASE_URL; unset: start the simulated upstream
#   SORA_SIM_ARGS     extra arguments for the simulator (pace, link TTL)
#   SORA_CGI=1        run the responder as plain CGI behind fcgiwrap instead of FastCGI
#   SORA_NGINX_PREFIX mount everything under this URL prefix (e.g. /sora), as inside an existing site
#   SORA_*, OSS_*, S3_*, STORAGE*   passed into the stack's config file
set -euo pipefail
cmd=${1:?usage: stack.sh start|stop|kill-workers DIR [PORT]}
dir=$(mkdir -p "${2:?state directory}" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$here" && realpath "${SORA_BIN:-.build/debug/sora}")

stop_pidfile() {  # stop the process in a pid file, if running
    local f=$1
    [ -f "$f" ] || return 0
    local pid; pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

case "$cmd" in
stop)
    stop_pidfile "$dir/nginx.pid"
    stop_pidfile "$dir/responder.pid"
    stop_pidfile "$dir/sim.pid"
    rm -f "$dir/sora.sock"
    exit 0 ;;
kill-workers)
    # Workers are detached (own session); find them by the config file in their environment.
    for p in /proc/[0-9]*; do
        if { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qx "SORA_CONFIG=$dir/sora.env"; then
            kill -9 "${p#/proc/}" 2>/dev/null || true
        fi
    done
    exit 0 ;;
start|front) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

port=${3:?port}
[ -x "$bin" ] || { echo "stack.sh: $bin is missing; run 'swift build' first" >&2; exit 1; }
# A start that fails half-way stops what it had started.
trap 'rc=$?; [ $rc = 0 ] || "$0" stop "$dir"; exit $rc' EXIT
if [ "$cmd" = start ]; then
"$0" stop "$dir"
mkdir -p "$dir/spool" "$dir/media" "$dir/nginx-tmp"
chmod 755 "$dir" "$dir/media"

# A config file given by the caller (SORA_CONFIG) counts like the environment; values are taken
# literally (KEY=value lines, optional quotes), never executed.
if [ -n "${SORA_CONFIG:-}" ] && [ -f "$SORA_CONFIG" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line#export }
        case "$line" in ''|'#'*) continue ;; esac
        name=${line%%=*}; value=${line#*=}
        name=$(echo "$name" | tr -d ' ')
        value=$(echo "$value" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e "s/^'\(.*\)'\$/\1/" -e 's/^"\(.*\)"$/\1/')
        case "$name" in SORA_*|OSS_*|S3_*|STORAGE*) export "$name=$value" ;; esac
    done < "$SORA_CONFIG"
fi

# Upstream: a real key, or the simulated gateway on a free loopback port.
simulated=0
key=${SORA_API_KEY:-}
base=${SORA_BASE_URL:-https://api.apiyi.com/v1}
if [ -z "$key" ]; then
    simulated=1
    key="sim-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    : > "$dir/sim.out"
    # shellcheck disable=SC2086
    setsid python3 "$here/Tests/Doubles/sora_sim.py" --host 127.0.0.1 --port 0 --api-key "$key" ${SORA_SIM_ARGS:-} \
        > "$dir/sim.out" 2> "$dir/sim.log" < /dev/null &
    echo $! > "$dir/sim.pid"
    for _ in $(seq 100); do grep -q 'listening on' "$dir/sim.out" && break; sleep 0.1; done
    simurl=$(grep -o 'http://[0-9.:]*' "$dir/sim.out" | head -1)
    [ -n "$simurl" ] || { echo "stack.sh: simulator did not start:" >&2; cat "$dir/sim.log" >&2; exit 1; }
    echo "$simurl" > "$dir/sim.url"
    base="$simurl/v1"
fi

# One config file for responder, workers and reaper; the key lives here (0600), never in the spool.
umask 077
{
    echo "SORA_API_KEY=$key"
    echo "SORA_BASE_URL=$base"
    echo "SORA_SIMULATED=$simulated"
    echo "SORA_SPOOL_DIR=$dir/spool"
    echo "SORA_MEDIA_DIR=$dir/media"
    echo "SORA_WORKER_BIN=$bin"
    if [ -n "${SORA_NGINX_PREFIX:-}" ]; then
        echo "SORA_STATUS_URL_PREFIX=$SORA_NGINX_PREFIX/status"
        echo "SORA_MEDIA_URL_PREFIX=$SORA_NGINX_PREFIX/media"
    fi
    env | grep -E '^(SORA_|OSS_|S3_|STORAGE)' | grep -vE '^SORA_(API_KEY|BASE_URL|SIMULATED|SPOOL_DIR|MEDIA_DIR|WORKER_BIN|BIN|SIM_ARGS|CGI|CONFIG|NGINX_PREFIX)=' || true
} > "$dir/sora.env"
umask 022
else
    stop_pidfile "$dir/nginx.pid"
    stop_pidfile "$dir/responder.pid"
    rm -f "$dir/sora.sock"
    simulated=$(grep -c '^SORA_SIMULATED=1' "$dir/sora.env" || true)
    base=$(sed -n 's/^SORA_BASE_URL=//p' "$dir/sora.env")
fi

# Say at once what is wrong with the configuration (the page's health banner says it too).
env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" "$bin" check-config 2>&1 | grep '^problem:' >&2 || true

# Responder: FastCGI via spawn-fcgi, or plain CGI via fcgiwrap. The socket must be usable by
# nginx's unprivileged workers (mode 0666 on a socket inside our own directory).
if [ "${SORA_CGI:-0}" = 1 ]; then
    env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" \
        spawn-fcgi -s "$dir/sora.sock" -M 0666 -P "$dir/responder.pid" -- /usr/sbin/fcgiwrap -c 2 > /dev/null
else
    env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" \
        spawn-fcgi -s "$dir/sora.sock" -M 0666 -P "$dir/responder.pid" -- "$bin" fcgi > /dev/null
fi

sed -e "s#@WWW@#$here/www#g" -e "s#@STATUS_DIR@#$dir/spool/status#g" -e "s#@MEDIA_DIR@#$dir/media#g" \
    -e "s#@FASTCGI@#unix:$dir/sora.sock#g" -e "s#@CONFIG@#$dir/sora.env#g" -e "s#@SORA_BIN@#$bin#g" \
    -e "s#@PREFIX@#${SORA_NGINX_PREFIX:-}#g" \
    "$here/nginx/sora-locations.conf.in" > "$dir/sora-locations.conf"
sed -e "s#@VAR@#$dir#g" -e "s#@PORT@#$port#g" "$here/nginx/sora-local.conf.in" > "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" 2>/dev/null || nginx -p "$dir" -c "$dir/nginx.conf"

url="http://127.0.0.1:$port${SORA_NGINX_PREFIX:-}"
for _ in $(seq 100); do
    curl -fsS "$url/api/health" > /dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$url/api/health" > /dev/null || { echo "stack.sh: the stack does not answer on port $port" >&2; exit 1; }
if [ "$simulated" = 1 ]; then
    echo "UPSTREAM: SIMULATED (no SORA_API_KEY set) — sora-sim at $(cat "$dir/sim.url"), videos are samples"
else
    echo "UPSTREAM: $base"
fi
echo "sora-fcgi is running: $url/"
