#!/usr/bin/env bash
# What a newcomer does after reading the README's quick start: `make run`, one job through the
# API, the video, `make stop` — and then nothing of the stack may be left running.
# Run by .ci/run after `make test`; needs curl and python3 (for JSON), both installed by then.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
var=$PWD/var/run   # the Makefile's default state directory
base=http://127.0.0.1:$port
# Once sign-in exists, the admin token is how a script calls the API; until then it is ignored.
export SORA_ADMIN_TOKEN=ci-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth="Authorization: Bearer $SORA_ADMIN_TOKEN"
fail() { echo "newcomer: $*" >&2; exit 1; }
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
alive() {  # running and not a zombie
    local state; state=$(sed -n 's/^.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
trap 'rc=$?; [ $rc = 0 ] || { make --no-print-directory stop > /dev/null 2>&1 || true; }; exit $rc' EXIT

PORT=$port make --no-print-directory run
echo "newcomer: stack up after $(( $(date +%s) - t0 )) s"

# The first text→video model of the catalog that is not retired.
model=$(curl -fsS -H "$auth" "$base/api/models" | python3 -c 'import json, sys; print(next(m["id"] for m in json.load(sys.stdin)["models"] if not m.get("retired") and "text_to_video" in m.get("modes", ["text_to_video"])))') \
    || fail "no usable model in GET /api/models"
answer=$(curl -sS -X POST -H 'Content-Type: application/json' -H "$auth" \
    -d "{\"model\":\"$model\",\"prompt\":\"a paper boat drifting down a rainy street, close-up\"}" \
    -w '\n%{http_code}' "$base/api/generate")
[ "${answer##*$'\n'}" = 202 ] || fail "generate was refused: $answer"
answer=${answer%$'\n'*}
status_url=$(echo "$answer" | json '["status_url"]')
echo "newcomer: job $(echo "$answer" | json '["task_id"]') ($model) queued; polling $status_url"

# A simulated generation under `make run` takes about a minute; poll the static status file.
deadline=$(( $(date +%s) + 300 ))
while :; do
    doc=$(curl -fsS "$base$status_url") || fail "status file not readable"
    status=$(echo "$doc" | json '["status"]')
    case $status in
        succeeded) break ;;
        failed) fail "job failed: $doc" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "job still $status after 300 s"
    sleep 1
done
video=$(echo "$doc" | json '["video_url"]')
case $video in http*) ;; *) video=$base$video ;; esac
type=$(curl -fsS -o /dev/null -w '%{content_type}' "$video") || fail "video not served"
[ "$type" = video/mp4 ] || fail "video served as '$type'"
echo "newcomer: succeeded; $video is video/mp4"

# Everything the stack started: pid files, their process groups (nginx's and fcgiwrap's
# children), and every process with the stack's config in its environment (workers included).
pids=$(for f in "$var"/*.pid; do cat "$f"; echo; done | tr '\n' ' ')   # spawn-fcgi ends without a newline
groups=" "; for p in $pids; do groups+="$(ps -o pgid= -p "$p" | tr -d ' ' || true) "; done
stack_pids() {
    local p pid
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        alive "$pid" || continue
        if [[ " $pids " == *" $pid "* ]] || [[ "$groups" == *" $(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') "* ]] \
            || { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qx "SORA_CONFIG=$var/sora.env"; then
            echo "$pid"
        fi
    done
}
[ -n "$(stack_pids)" ] || fail "found no stack processes to check"

make --no-print-directory stop
# `make stop` leaves running workers to finish; this job's worker is done, so it exits at once.
for _ in $(seq 100); do [ -z "$(stack_pids)" ] && break; sleep 0.1; done
left=$(stack_pids)
[ -z "$left" ] || { ps -o pid,stat,cmd -p "$(echo $left | tr ' ' ,)" >&2; fail "left running after make stop"; }
ls "$var"/*.pid "$var"/*.sock 2>/dev/null && fail "pid files or sockets left behind"
curl -s -o /dev/null "$base/" && fail "port $port still answers"
echo "newcomer: make stop left nothing running; whole step $(( $(date +%s) - t0 )) s"
