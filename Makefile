# cnnlab: `make demo` and `make test` work from a fresh clone; every install step is here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The CPU wheel on these machines; any other torch request pulls gigabytes of CUDA packages.
TORCH := torch==2.13.0
DATA ?= ../shared/datasets

.PHONY: setup browser demo test test-all lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[tensorboard,dev,export]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/cnnlab train --config recipes/lenet5-digits.toml
	$(VENV)/bin/cnnlab eval runs/demo-lenet5

# The report test opens pages in a real headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test of the report page will be skipped"; }

test: $(STAMP) browser
	$(PY) -m pytest -q -m "not slow"

test-all: $(STAMP) browser
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[bench]'  # the references: Lightning, torchinfo
	$(PY) -m pip install -q --disable-pip-version-check --no-deps 'torchattacks>=3.5'  # asks for torchvision, never imports it
	@for script in benchmarks/bench_*.py; do CNNLAB_DATA=$(DATA) $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) runs .pytest_cache
