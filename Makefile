# The two commands: `make run` (set up and run the system) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KIOSK := $(VENV)/bin/kiosk
export KIOSK_PORT ?= 8080
export HUB_PORT ?= 8081

.PHONY: run test bench wrk translations extract chromium clean

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(KIOSK) translations compile

## run: install; start the ward hub (HUB_PORT) and a kiosk paired with it (KIOSK_PORT), demo catalog
run: translations
	$(KIOSK) demo --port $(KIOSK_PORT) --hub-port $(HUB_PORT)

## test: install what the tests need (Debian chromium, Playwright for Python) and run them all
## (shuffled from a fixed seed, so a failure reproduces with the same command; another order:
## make test TEST_ORDER="-p randomly --randomly-seed=7", file order: make test TEST_ORDER=)
## Two workers (pytest-xdist; the machine has two cores), each test handed to whichever is free;
## one at a time: make test TEST_WORKERS=0. The 25 slowest tests are listed at the end.
TEST_ORDER ?= -p randomly --randomly-seed=24
TEST_WORKERS ?= 2
test: translations chromium
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=25 $(TEST_ORDER)

## bench: benchmarks (not part of make test), one table at the end; figures go in README.md.
## Installs Debian's wrk, the load generator, when missing. One part: make bench BENCH="kiosk desk"
BENCH ?=
bench: translations wrk
	$(PY) -m tests.perf $(BENCH)

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing Debian's wrk (the benchmarks' load generator)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk || { \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }; }

## extract: re-extract UI strings and update every catalog (then translate the new entries)
extract: $(VENV)/.installed
	$(KIOSK) translations extract
	$(PY) tools/fill_english.py

# Debian packages the tests use: chromium and fonts for the browser tests; python3-venv and the
# PostgreSQL client tools for the installation-guide test, which installs as the guide says.
DEBIAN_TEST_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji python3-venv postgresql-client \
  espeak-ng sox poppler-utils

chromium:
	@{ command -v chromium && dpkg -s $(DEBIAN_TEST_PACKAGES); } >/dev/null 2>&1 || { \
	  echo "installing Debian packages for the tests: $(DEBIAN_TEST_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEBIAN_TEST_PACKAGES); }

clean:
	rm -rf $(VENV) var tests/_artifacts
