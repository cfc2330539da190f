# Two commands matter (see README): `make tour` runs the main job, `make test` the tests.
# Both set up what they need on a fresh Debian machine: a virtualenv in .venv with
# the project and its extras, and (for tests and drawings) Graphviz's `dot`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup graphviz tour demo train test bench lint notebook clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

setup: $(STAMP)

# The tests' oracles for the PyTorch bridge and the digits data set. torch is pinned
# here only, for CI: that version is a CPU wheel on local disk (any other downloads
# gigabytes); users get any version from the extras chaingrad[torch] and chaingrad[digits].
TEST_STAMP := $(VENV)/.installed-test
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install torch==2.13.0 scikit-learn -q
	touch $(TEST_STAMP)

# Graphviz's `dot` renders the drawings; apt-get needs root (or sudo).
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq graphviz >/dev/null; }
	@dot -V

tour: setup graphviz
	$(BIN)/chaingrad tour --network linear-chain --out out/tour

demo: setup
	$(BIN)/chaingrad demo

train: setup
	$(BIN)/chaingrad train --dataset moons --hidden 16 16 --activation relu --epochs 100 --lr 0.05 --seed 0 --out out/train

test: setup graphviz $(TEST_STAMP)
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/train_step.py

lint: setup
	$(BIN)/ruff check autograd nn tests benchmarks

notebook: setup graphviz
	$(BIN)/python -m pip install -q -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
