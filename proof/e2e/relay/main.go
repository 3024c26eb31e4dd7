// Command relay is the first of two services with sessiontrace in the
// end-to-end run: it takes the user's turn, passes the session on to the
// app behind it in W3C baggage (middleware.WithBaggagePropagation), so that
// the app stays inside the relay's trace, and, since it makes no LLM call of
// its own, writes the turn's input and output itself with
// sessiontrace.SetInput and SetOutput. One user turn is one trace across
// both services.
//
//	UPSTREAM=http://127.0.0.1:18090 ADDR=127.0.0.1:18092 \
//	PHOENIX_COLLECTOR_ENDPOINT=http://127.0.0.1:14318 OTEL_SERVICE_NAME=relay go run ./proof/e2e/relay
//
// POST /chat takes {"message": "…"} and answers {"reply": "…"}, as the app
// does. It stops on SIGINT or SIGTERM, after sending its last spans.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/sessiontrace/sessiontrace"
	"github.com/sessiontrace/sessiontrace/middleware"
	"github.com/sessiontrace/sessiontrace/phoenix"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	upstream := os.Getenv("UPSTREAM")
	if upstream == "" {
		return errors.New("UPSTREAM must be the app's base URL")
	}
	tp, err := phoenix.Register(ctx, phoenix.WithProjectName("sessiontrace-e2e"))
	if err != nil {
		return err
	}
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(shutdown)
	}()

	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport), Timeout: 30 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Message string `json:"message"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil || in.Message == "" {
			http.Error(w, `send {"message": "..."}`, http.StatusBadRequest)
			return
		}
		sessiontrace.SetInput(r.Context(), in.Message)
		reply, err := forward(r.Context(), client, upstream+"/chat", in.Message)
		if err != nil {
			http.Error(w, "the app is unavailable", http.StatusBadGateway)
			return
		}
		sessiontrace.SetOutput(r.Context(), reply)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"reply": reply})
	})
	handler := otelhttp.NewHandler(middleware.Handler(mux, middleware.WithBaggagePropagation()), "relay")
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// forward posts message to the app's /chat and returns its reply. The
// context carries the session in baggage, which the propagator that
// phoenix.Register installed sends on.
func forward(ctx context.Context, client *http.Client, url, message string) (string, error) {
	body, _ := json.Marshal(map[string]string{"message": message})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("%s: %s", resp.Status, msg)
	}
	var out struct {
		Reply string `json:"reply"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	return out.Reply, nil
}
