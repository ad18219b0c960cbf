# gnnc: set up, demo, tests.
#
#   make demo   create .venv if needed, then run `gnnc demo` (synthetic detector, shipped model;
#               writes out/demo); `make demo DEMO_DATA=../shared/data/trackml-in` on TrackML graphs
#   make test   create .venv if needed, then run the lit (FileCheck) and pytest suites
#   make bench  create .venv-bench (the test set plus hls4ml with its dependencies, which the
#               test venv leaves out) and run bench/*.py; figures go in bench/README.md
#   make mutate plant small bugs one at a time in a temporary copy and list those no test
#               catches (scripts/mutate.py, docs/testing.md; minutes, not part of CI)
#
# Needs Python 3.11, gcc/g++ and make, and PyPI. torch is installed first and pinned
# (torch==2.13.0, so pip does not pick a newer build with GBs of CUDA packages), then gnnc
# with its dev tools, then hls4ml with --no-deps: gnnc only uses the open ap_types /
# ac_types headers the wheel ships, not hls4ml or its dependencies.
#
# The TrackML data (trained IN weights and sector graphs) is expected at
# ../shared/data/trackml-in next to this repository; override with
#   make test GNNC_TRACKML_DIR=/path/to/trackml-in
# Tests that need it are skipped when it is missing (and fail under CI=true); `make demo`
# does not need it.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.gnnc-installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check

TORCH_VERSION  := 2.13.0
HLS4ML_VERSION := 1.3.0

GNNC_TRACKML_DIR ?= $(abspath ../shared/data/trackml-in)
export GNNC_TRACKML_DIR

.PHONY: all venv demo test lit pytest mutate bench clean

all: test

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==$(TORCH_VERSION)
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps hls4ml==$(HLS4ML_VERSION)
	touch $@

DEMO_DATA ?=
demo: $(STAMP)
	$(BIN)/gnnc demo --out out/demo --force $(if $(DEMO_DATA),--data $(DEMO_DATA))

# pytest runs one worker per core (pytest-xdist; the suite is mostly single-threaded g++ builds
# and numpy); PYTEST_WORKERS= runs it in one process.
PYTEST_WORKERS ?= -n auto --dist loadgroup

# Both suites always run; the target fails if either failed.
test: $(STAMP)
	@status=0; \
	$(BIN)/lit -v test || status=1; \
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS) -W error::DeprecationWarning test/python || status=1; \
	exit $$status

lit: $(STAMP)
	$(BIN)/lit -v test

pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS) -W error::DeprecationWarning test/python

BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.gnnc-bench-installed

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip --disable-pip-version-check install --quiet torch==$(TORCH_VERSION)
	$(BENCH_VENV)/bin/python -m pip --disable-pip-version-check install --quiet -e '.[dev]' hls4ml==$(HLS4ML_VERSION)
	touch $@

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/emulate.py
	$(BENCH_VENV)/bin/python bench/compile_and_csim.py
	$(BENCH_VENV)/bin/python bench/partition.py

mutate: $(STAMP)
	$(BIN)/python scripts/mutate.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) test/.lit_test_times.txt
	find test -type d -name Output -prune -exec rm -rf {} +
