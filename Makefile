# make bench prints the side-by-side benchmark table; BENCHFLAGS=-short for a
# quick run. The flags are in proof/bench/main.go.
.PHONY: bench
bench:
	go run ./proof/bench $(BENCHFLAGS)
