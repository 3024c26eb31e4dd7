#!/usr/bin/env bash
# The end-to-end run: a real chat server (examples/nethttp) exports over real
# OTLP to a real Jaeger v2 on 127.0.0.1; several turns in two sessions, one of
# them streamed; then Jaeger's API must show two clean sessions with every
# turn, nothing lost and nothing mixed. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

APP_ADDR=${E2E_APP_ADDR:-127.0.0.1:18090}
SERVICE="sessiontrace-e2e-$(date +%s)-$$"
BIN_DIR=$PWD/.cache/e2e
mkdir -p "$BIN_DIR"
APP_PID=""

log() { printf '[e2e] %s\n' "$*" >&2; }

cleanup() {
	if [[ -n $APP_PID ]] && kill -0 "$APP_PID" 2>/dev/null; then
		kill "$APP_PID" 2>/dev/null || true
		wait "$APP_PID" 2>/dev/null || true
	fi
	e2e/jaeger.sh stop || true
}
trap cleanup EXIT

start=$(date +%s)
e2e/jaeger.sh build
go build -o "$BIN_DIR/nethttp" ./examples/nethttp
go build -o "$BIN_DIR/check" ./e2e/check
e2e/jaeger.sh start
eval "$(e2e/jaeger.sh env)"

# The app exports to Jaeger through phoenix.Register, as it would to Phoenix.
PHOENIX_COLLECTOR_ENDPOINT=$OTEL_EXPORTER_OTLP_ENDPOINT OTEL_SERVICE_NAME=$SERVICE \
	OPENAI_API_KEY= ADDR=$APP_ADDR "$BIN_DIR/nethttp" >"$BIN_DIR/nethttp.log" 2>&1 &
APP_PID=$!
# Wait for the port with a bare TCP connect: an HTTP probe would be a traced
# request of its own.
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/${APP_ADDR%:*}/${APP_ADDR##*:}") 2>/dev/null && break
	kill -0 "$APP_PID" 2>/dev/null || { cat "$BIN_DIR/nethttp.log"; exit 1; }
	sleep 0.1
done

say() { # session user message [stream]
	local path=/chat
	[[ ${4:-} == stream ]] && path=/chat/stream
	curl -sS --fail-with-body -N "http://$APP_ADDR$path" \
		-H "X-Session-ID: $1" -H "X-User-ID: $2" -H 'Content-Type: application/json' \
		-d "{\"message\":\"$3\"}" >/dev/null
}
log "driving 5 turns in 2 sessions against $APP_ADDR (service $SERVICE)"
say e2e-lisbon alice "Where should I stay in Lisbon?"
say e2e-kyoto bob "When do the maples turn in Kyoto?"
say e2e-lisbon alice "Which day trip from there?" stream
say e2e-kyoto bob "How do I avoid the crowds?"
say e2e-lisbon alice "How do I get there by train?"

# A graceful stop flushes the batch exporter.
kill -TERM "$APP_PID"
wait "$APP_PID" || { cat "$BIN_DIR/nethttp.log"; exit 1; }
APP_PID=""

"$BIN_DIR/check" -jaeger "$JAEGER_QUERY_URL" -service "$SERVICE" -sessions e2e-lisbon=3,e2e-kyoto=2 -timeout 30s
log "passed in $(($(date +%s) - start)) s"
