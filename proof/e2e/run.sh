#!/usr/bin/env bash
# The end-to-end run: a real chat server (examples/nethttp) exports over real
# OTLP to a real Jaeger v2 on 127.0.0.1, reached in the ways a chat app is
# deployed:
#   direct    a client talks to the app (two sessions, one turn streamed);
#   browser   requests carry the traceparent of a span nobody exports, as
#             from a browser with OpenTelemetry web instrumentation;
#   gateway   an API gateway with plain otelhttp and its own service name
#             (proof/e2e/gateway), exporting to the same Jaeger, proxies to the app;
#   chain     a second sessiontrace service (proof/e2e/relay) takes the turn and
#             calls the app, the session passed on in W3C baggage;
# with a streamed turn in the direct, browser and gateway cases. Then
# Jaeger's API must show every session complete as Phoenix would (every turn
# a root with its input and output, one trace per turn), nothing lost,
# nothing mixed, and no gateway trace in any session. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_ADDR=${E2E_APP_ADDR:-127.0.0.1:18090}
GATEWAY_ADDR=${E2E_GATEWAY_ADDR:-127.0.0.1:18091}
RELAY_ADDR=${E2E_RELAY_ADDR:-127.0.0.1:18092}
SERVICE="sessiontrace-e2e-$(date +%s)-$$"
BIN_DIR=$PWD/.cache/e2e
mkdir -p "$BIN_DIR"
PIDS=()

log() { printf '[e2e] %s\n' "$*" >&2; }

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	proof/e2e/jaeger.sh stop || true
}
trap cleanup EXIT

began=$(date +%s)
proof/e2e/jaeger.sh build
go build -o "$BIN_DIR/nethttp" ./examples/nethttp
go build -o "$BIN_DIR/gateway" ./proof/e2e/gateway
go build -o "$BIN_DIR/relay" ./proof/e2e/relay
go build -o "$BIN_DIR/check" ./proof/e2e/check
proof/e2e/jaeger.sh start
eval "$(proof/e2e/jaeger.sh env)"

# launch NAME ADDR ENV...: run a built program in the background with its own
# log file, and wait for its port with a bare TCP connect (an HTTP probe
# would be a traced request of its own).
launch() {
	local name=$1 addr=$2
	shift 2
	env "$@" ADDR="$addr" "$BIN_DIR/$name" >"$BIN_DIR/$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$BIN_DIR/$name.log"; exit 1; }
		sleep 0.1
	done
	log "$name did not listen on $addr"
	exit 1
}

# Each exports to Jaeger as it would to Phoenix, under its own service name.
launch nethttp "$APP_ADDR" PHOENIX_COLLECTOR_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT" OTEL_SERVICE_NAME="$SERVICE" OPENAI_API_KEY=
launch gateway "$GATEWAY_ADDR" UPSTREAM="http://$APP_ADDR" OTEL_EXPORTER_OTLP_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT" OTEL_SERVICE_NAME="$SERVICE-gateway"
launch relay "$RELAY_ADDR" UPSTREAM="http://$APP_ADDR" PHOENIX_COLLECTOR_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT" OTEL_SERVICE_NAME="$SERVICE-relay"

say() { # addr session user message plain|stream [curl args...]
	local addr=$1 session=$2 user=$3 message=$4 path=/chat
	[[ $5 == stream ]] && path=/chat/stream
	shift 5
	curl -sS --fail-with-body -N "http://$addr$path" \
		-H "X-Session-ID: $session" -H "X-User-ID: $user" -H 'Content-Type: application/json' \
		"$@" -d "{\"message\":\"$message\"}" >/dev/null
}
# The traceparent of a span that is never exported, new for every request.
traceparent() {
	printf '00-%s-%s-01' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
}

log "driving 11 turns in 5 sessions: direct, browser traceparent, gateway, chained services (service $SERVICE)"
say "$APP_ADDR" e2e-lisbon alice "Where should I stay in Lisbon?" plain
say "$APP_ADDR" e2e-kyoto bob "When do the maples turn in Kyoto?" plain
say "$APP_ADDR" e2e-lisbon alice "Which day trip from there?" stream
say "$APP_ADDR" e2e-kyoto bob "How do I avoid the crowds?" plain
say "$APP_ADDR" e2e-lisbon alice "How do I get there by train?" plain
say "$APP_ADDR" e2e-browser carol "Is Porto worth a day?" plain -H "traceparent: $(traceparent)"
say "$APP_ADDR" e2e-browser carol "And the wine cellars?" stream -H "traceparent: $(traceparent)"
say "$GATEWAY_ADDR" e2e-gateway dave "What should I pack for Madeira?" plain
say "$GATEWAY_ADDR" e2e-gateway dave "Do I need hiking boots?" stream
say "$RELAY_ADDR" e2e-chain erin "Best beach near Faro?" plain
say "$RELAY_ADDR" e2e-chain erin "Is the water warm in June?" plain

# A graceful stop flushes the batch exporters.
for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${PIDS[@]}"; do
	wait "$pid" || { tail -n 20 "$BIN_DIR"/*.log; exit 1; }
done
PIDS=()

"$BIN_DIR/check" -jaeger "$JAEGER_QUERY_URL" -service "$SERVICE,$SERVICE-gateway,$SERVICE-relay" -sessionless "$SERVICE-gateway" \
	-sessions e2e-lisbon=3,e2e-kyoto=2,e2e-browser=2,e2e-gateway=2,e2e-chain=2 -timeout 30s
log "passed in $(($(date +%s) - began)) s"
