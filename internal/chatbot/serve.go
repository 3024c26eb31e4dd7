package chatbot

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs an example chat server named service: it sets up tracing and the
// model (setup), builds the handler, listens on ADDR (default
// 127.0.0.1:8080) until SIGINT or SIGTERM, then shuts down gracefully and
// flushes the spans. It exits the program on error.
func Main(service string, build func(*Env) (http.Handler, error)) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if err := serve(ctx, service, addr, build); err != nil {
		log.Fatal(err)
	}
}

func serve(ctx context.Context, service, addr string, build func(*Env) (http.Handler, error)) error {
	env, err := setup(ctx, service, os.Stdout)
	if err != nil {
		return err
	}
	defer env.Close() // flushes the last spans
	handler, err := build(env)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("chat server on http://%s/chat, model %s via %s\n", addr, env.Model, env.Backend)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
