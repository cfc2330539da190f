# Two commands matter (see README): `make tour` runs the main job, `make test` the tests.
# Both set up what they need on a fresh Debian machine: a virtualenv in .venv with the
# project and, per target, only the extras that target uses; and (for the tour, tests and
# notebooks) Graphviz's `dot`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# One stamp per set of packages, so each set is installed once (and again when
# pyproject.toml changes): runtime = the project and its dependencies only.
RUNTIME   := $(VENV)/.installed-runtime
PLOT      := $(VENV)/.installed-plot
DEV       := $(VENV)/.installed-dev
BENCH     := $(VENV)/.installed-bench
LINT      := $(VENV)/.installed-lint
NOTEBOOKS := $(VENV)/.installed-notebooks

.PHONY: setup graphviz chromium tour demo train test bench lint notebook clean
# The stamps share one virtualenv: never run two pip installs into it at once.
.NOTPARALLEL:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# $(VENV)/.installed-NAME installs the project with its extra NAME (see pyproject.toml).
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[$*]'
	touch $@

# Everything a contributor runs: the tests, the linter and the benchmarks.
setup: $(DEV) $(BENCH)

# The tests' oracles for the PyTorch bridge and the digits data set. torch is pinned
# here only, for CI: that version is a CPU wheel on local disk (any other downloads
# gigabytes); users get any version from the extras chaingrad[torch] and chaingrad[digits].
TORCH := $(VENV)/.installed-torch-pinned
$(TORCH): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q torch==2.13.0 scikit-learn
	touch $@

# Graphviz's `dot` renders the drawings; apt-get needs root (or sudo).
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq graphviz >/dev/null; }
	@dot -V

# Headless Chromium for the browser tests of the HTML pages: Debian's package, driven by
# Playwright for Python (a dev extra) through its executable path; Playwright's own browser
# download is never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null | head -1

tour: $(RUNTIME) graphviz
	$(BIN)/chaingrad tour --network linear-chain --out out/tour

demo: $(RUNTIME)
	$(BIN)/chaingrad demo

train: $(PLOT)
	$(BIN)/chaingrad train --dataset moons --hidden 16 16 --activation relu --epochs 100 --lr 0.05 --seed 0 --out out/train

test: $(DEV) graphviz chromium $(TORCH)
	$(BIN)/python -m pytest -q

bench: $(BENCH) graphviz chromium
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/train_step.py
	$(BIN)/python benchmarks/targets.py
	$(BIN)/python benchmarks/phases.py
	$(BIN)/python benchmarks/pages.py

lint: $(LINT)
	$(BIN)/ruff check autograd nn tests benchmarks notebooks docs conftest.py chaingrad_cli.py

# Jupyter refuses to start as root without --allow-root: given only then (a container, sudo).
notebook: $(NOTEBOOKS) $(TORCH) graphviz
	$(BIN)/jupyter lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
