#!/usr/bin/env bash
# Starts or stops a local sora-fcgi stack: [simulated upstream] + two pools of `sora fcgi`
# responders (spawn-fcgi, or fcgiwrap for plain CGI) + a periodic reaper + nginx, all under one
# state directory, all on 127.0.0.1. Used by `make run`, `make stop` and the end-to-end tests.
#
#   nginx/stack.sh start DIR PORT     start (prints the URL); DIR holds config, spool, media, logs
#   nginx/stack.sh stop DIR           stop nginx, responders, reaper and simulator (workers finish on their own)
#   nginx/stack.sh kill-workers DIR   kill this stack's workers, and nothing else (tests)
#   nginx/stack.sh front DIR PORT     (re)start only responders + nginx, keeping config, simulator, reaper
#
# `stop` and `kill-workers` need only DIR (pid files, /proc), never the sora binary, so they work
# whichever build started the stack.
#
# Environment:
#   SORA_BIN          the sora binary (default .build/debug/sora)
#   SORA_API_KEY      real key: talk to SORA_BASE_URL; unset: start the simulated upstream
#   SORA_SIM_ARGS     extra arguments for the simulator (pace, link TTL)
#   SORA_CGI=1        run the responder as plain CGI behind fcgiwrap instead of FastCGI
#   SORA_RESPONDERS   responders for the API (default: number of cores, at least 2)
#   SORA_UPLOAD_RESPONDERS  responders for uploads, POST /api/generate (default: twice the
#                     cores, at least 4: a submit spends most of its time waiting for fsync)
#   SORA_REAP_EVERY   seconds between reaper passes (default 60)
#   SORA_NGINX_PREFIX mount everything under this URL prefix (e.g. /sora), as inside an existing site
#   SORA_NGINX_GENERATE_RATE / SORA_NGINX_LOGIN_RATE   nginx limit_req rates (default 10r/m each)
#   SORA_NGINX_RATE_LIMITS=off                          no limit_req at all (benchmarks)
#   SORA_AUTH=off     no sign-in (otherwise a first start makes an admin password in DIR/admin-password)
#   SORA_*, OSS_*, S3_*, STORAGE*   passed into the stack's config file
set -euo pipefail
cmd=${1:?usage: stack.sh start|stop|kill-workers|front DIR [PORT]}
dir=$(mkdir -p "${2:?state directory}" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)

alive() {  # running, and not a zombie (an orphan may stay a zombie where pid 1 does not reap)
    local state
    state=$(sed -n 's/^.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

stop_pidfile() {  # stop every process named in a pid file (one pid a line), and its process group
    local f=$1 pid pids=() targets=()
    [ -f "$f" ] || return 0
    for pid in $(cat "$f" 2>/dev/null); do
        case $pid in ''|*[!0-9]*) continue ;; esac
        alive "$pid" || continue
        pids+=("$pid")
        # A group leader's group goes with it: fcgiwrap's pre-forked children share its group.
        # Workers never do (they start their own session), so this cannot reach them.
        if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then targets+=("-$pid"); else targets+=("$pid"); fi
    done
    if [ ${#pids[@]} -gt 0 ]; then
        kill -TERM -- "${targets[@]}" 2>/dev/null || true
        for _ in $(seq 50); do
            local left=0
            for pid in "${pids[@]}"; do alive "$pid" && left=1; done
            [ $left = 0 ] && break
            sleep 0.1
        done
        kill -KILL -- "${targets[@]}" 2>/dev/null || true
    fi
    rm -f "$f"
}

stop_front() {
    stop_pidfile "$dir/nginx.pid"
    stop_pidfile "$dir/responder.pid"
    stop_pidfile "$dir/responder-uploads.pid"
    rm -f "$dir/sora.sock" "$dir/sora-uploads.sock"
}

kill_workers() {
    # Workers are detached (own session); they are the processes with this stack's config file
    # in their environment and `worker` as their first argument (responders and the reaper have
    # the same environment). Look again until none is left: a reaper pass may start one.
    for _ in $(seq 20); do
        found=0
        for p in /proc/[0-9]*; do
            { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qx "SORA_CONFIG=$dir/sora.env" || continue
            [ "$({ tr '\0' '\n' < "$p/cmdline"; } 2>/dev/null | sed -n 2p)" = worker ] || continue
            alive "${p#/proc/}" || continue
            kill -9 "${p#/proc/}" 2>/dev/null || true
            found=1
        done
        [ $found = 0 ] && break
        sleep 0.1
    done
}

case "$cmd" in
stop)
    # The reaper first: it could otherwise start a worker while the rest goes down.
    stop_pidfile "$dir/reaper.pid"
    stop_front
    stop_pidfile "$dir/sim.pid"
    # A simulated stack's workers follow tasks that went with the simulator, so they go too.
    # With a real gateway they keep following paid jobs (the reaper resumes any that die).
    if grep -qx 'SORA_SIMULATED=1' "$dir/sora.env" 2>/dev/null; then kill_workers; fi
    exit 0 ;;
kill-workers)
    kill_workers
    exit 0 ;;
start|front) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

bin=$(cd "$here" && realpath -m "${SORA_BIN:-.build/debug/sora}")
port=${3:?port}
[ -x "$bin" ] || { echo "stack.sh: $bin is missing; run 'swift build' first" >&2; exit 1; }
pool_size() { local n=${1:-$2}; [ "$n" -ge 2 ] 2>/dev/null || n=2; echo "$n"; }  # SETTING DEFAULT
# A start that fails half-way stops what it had started.
trap 'rc=$?; [ $rc = 0 ] || "$0" stop "$dir"; exit $rc' EXIT
if [ "$cmd" = start ]; then
"$0" stop "$dir"
mkdir -p "$dir/spool" "$dir/media" "$dir/nginx-tmp"
chmod 755 "$dir" "$dir/media"

# Upstream: a real key, or the simulated gateway on a free loopback port.
# Whether a key is set is the binary's call (its one settings reader), never a parse of ours.
simulated=0
if ! env -i PATH=/usr/bin:/bin SORA_API_KEY="${SORA_API_KEY:-}" SORA_CONFIG="${SORA_CONFIG:-}" "$bin" check-config --has-key; then
    simulated=1
    key="sim-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    : > "$dir/sim.out"
    # shellcheck disable=SC2086
    setsid python3 "$here/Tests/Doubles/sora_sim.py" --host 127.0.0.1 --port 0 --api-key "$key" ${SORA_SIM_ARGS:-} \
        > "$dir/sim.out" 2> "$dir/sim.log" < /dev/null &
    echo $! > "$dir/sim.pid"
    for _ in $(seq 100); do grep -q 'listening on' "$dir/sim.out" && break; sleep 0.1; done
    simurl=$(grep -o 'https\?://[0-9.:]*' "$dir/sim.out" | head -1)
    [ -n "$simurl" ] || { echo "stack.sh: simulator did not start:" >&2; cat "$dir/sim.log" >&2; exit 1; }
    echo "$simurl" > "$dir/sim.url"
fi

# One config file for responder, workers and reaper, in the order the reader's precedence wants
# (later lines win): the environment's settings, the caller's config file copied as it is (never
# parsed here), then what this stack decides. Keys live here (0600), never in the spool.
umask 077
{
    env | grep -E '^(SORA_|OSS_|S3_|STORAGE|[A-Z0-9_]+_API_KEY=)' \
        | grep -vE '^SORA_(BIN|SIM_ARGS|CGI|CONFIG|NGINX_[A-Z_]*|RESPONDERS|UPLOAD_RESPONDERS|REAP_EVERY|SPOOL_DIR|MEDIA_DIR|WORKER_BIN)=' || true
    if [ -n "${SORA_CONFIG:-}" ] && [ -f "$SORA_CONFIG" ]; then cat "$SORA_CONFIG"; echo; fi
    if [ "$simulated" = 1 ]; then
        echo "SORA_API_KEY=$key"
        echo "SORA_BASE_URL=$simurl/v1"
    fi
    echo "SORA_SIMULATED=$simulated"
    echo "SORA_SPOOL_DIR=$dir/spool"
    echo "SORA_MEDIA_DIR=$dir/media"
    echo "SORA_WORKER_BIN=$bin"
    if [ -n "${SORA_NGINX_PREFIX:-}" ]; then
        echo "SORA_STATUS_URL_PREFIX=$SORA_NGINX_PREFIX/status"
        echo "SORA_MEDIA_URL_PREFIX=$SORA_NGINX_PREFIX/media"
    fi
} > "$dir/sora.env"
# Sign-in is on by default: without a password (hash) from the caller, the first start makes one,
# keeps it 0600 in the state directory, reuses it on later starts, and says where it is.
if env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" "$bin" check-config --needs-password; then
    if [ ! -s "$dir/admin-password" ]; then
        head -c 15 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-20 > "$dir/admin-password"
        new_password=1
    fi
    env -i PATH=/usr/bin:/bin "$bin" passwd --stdin --config "$dir/sora.env" < "$dir/admin-password" > /dev/null
fi
umask 022
else
    stop_front
    simulated=$(grep -c '^SORA_SIMULATED=1' "$dir/sora.env" || true)
fi

# Say at once what is wrong with the configuration (the page's health banner says it too).
env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" "$bin" check-config 2>&1 | grep '^problem:' >&2 || true

# Responders: two pools of several processes, each pool on its own socket. Uploads (POST
# /api/generate, up to 16 MB each) go to one pool and everything else to the other, so a burst of
# uploads never makes health, library or login requests wait behind them in a socket's queue
# (Tests/Benchmarks/bench_upload_load.py measures it). FastCGI: spawn-fcgi -F forks a pool and
# writes one pid a line. Plain CGI: fcgiwrap pre-forks its own (-c); its pid file names the
# parent, whose process group holds them. Sockets are usable by nginx's unprivileged workers
# (0666, inside our own directory).
start_pool() {  # start_pool SOCKET PIDFILE SIZE
    if [ "${SORA_CGI:-0}" = 1 ]; then
        env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" \
            spawn-fcgi -s "$1" -M 0666 -P "$2" -- /usr/sbin/fcgiwrap -c "$3" > /dev/null
    else
        env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" \
            spawn-fcgi -s "$1" -M 0666 -F "$3" -P "$2" -- "$bin" fcgi > /dev/null
        [ "$(grep -c . "$2")" = "$3" ] || { echo "stack.sh: spawn-fcgi did not start $3 responders" >&2; exit 1; }
    fi
}
start_pool "$dir/sora.sock" "$dir/responder.pid" "$(pool_size "${SORA_RESPONDERS:-}" "$(nproc)")"
start_pool "$dir/sora-uploads.sock" "$dir/responder-uploads.pid" "$(pool_size "${SORA_UPLOAD_RESPONDERS:-}" $(($(nproc) < 2 ? 4 : $(nproc) * 2)))"

# The reaper: settles jobs whose worker died even when nobody calls the API (the responders
# start a pass only when they answer requests). Own session, like the simulator.
if [ "$cmd" = start ]; then
    setsid env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" "$bin" reap --every "${SORA_REAP_EVERY:-60}" \
        >> "$dir/reaper.log" 2>&1 < /dev/null &
    echo $! > "$dir/reaper.pid"
fi

sed -e "s#@WWW@#$here/www#g" -e "s#@STATUS_DIR@#$dir/spool/status#g" -e "s#@MEDIA_DIR@#$dir/media#g" \
    -e "s#@FASTCGI@#unix:$dir/sora.sock#g" -e "s#@FASTCGI_UPLOADS@#unix:$dir/sora-uploads.sock#g" -e "s#@CONFIG@#$dir/sora.env#g" -e "s#@SORA_BIN@#$bin#g" \
    -e "s#@PREFIX@#${SORA_NGINX_PREFIX:-}#g" \
    "$here/nginx/sora-locations.conf.in" > "$dir/sora-locations.conf"
# SORA_NGINX_RATE_LIMITS=off (benchmarks) empties the zones' key: nginx then limits nothing. A
# very high rate is not enough, since requests landing in the same millisecond still count as a burst.
nokey=""; [ "${SORA_NGINX_RATE_LIMITS:-on}" = off ] && nokey='s#^\( *POST *\)\$binary_remote_addr;#\1"";#'
sed -e "s#@GENERATE_RATE@#${SORA_NGINX_GENERATE_RATE:-10r/m}#g" -e "s#@LOGIN_RATE@#${SORA_NGINX_LOGIN_RATE:-10r/m}#g" \
    ${nokey:+-e "$nokey"} "$here/nginx/sora-limits.conf.in" > "$dir/sora-limits.conf"
sed -e "s#@VAR@#$dir#g" -e "s#@PORT@#$port#g" "$here/nginx/sora-local.conf.in" > "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" 2>/dev/null || nginx -p "$dir" -c "$dir/nginx.conf"

url="http://127.0.0.1:$port${SORA_NGINX_PREFIX:-}"
for _ in $(seq 100); do
    curl -fsS "$url/api/health" > /dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$url/api/health" > /dev/null || { echo "stack.sh: the stack does not answer on port $port" >&2; exit 1; }
if [ -s "$dir/admin-password" ] && [ "$cmd" = start ]; then
    if [ "${new_password:-0}" = 1 ]; then
        echo "ADMIN PASSWORD (new): $(cat "$dir/admin-password")   — kept in $dir/admin-password (0600)"
    else
        echo "admin password: in $dir/admin-password"
    fi
fi
if [ "$simulated" = 1 ]; then
    echo "UPSTREAM: SIMULATED (no SORA_API_KEY set) — sora-sim at $(cat "$dir/sim.url"), videos are samples"
else
    echo "UPSTREAM: $(env -i PATH=/usr/bin:/bin SORA_CONFIG="$dir/sora.env" "$bin" check-config 2>/dev/null | sed -n 's/^upstream: \([^ ]*\).*/\1/p')"
fi
echo "sora-fcgi is running: $url/"
