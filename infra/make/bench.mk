# Benchmark of the API against PostgreSQL's own ceiling (issue 7). Included by the Makefile.
# `make bench` is the full run (about 20 minutes); `make bench BENCH_ARGS=--smoke` checks the path
# in about two. Other options: `.venv/bin/python bench/perf.py --help`.
BENCH_ARGS ?=

.PHONY: bench

bench: install
	$(PY) bench/perf.py $(BENCH_ARGS)
