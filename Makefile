# Gatekeeper: `make run` opens the operator window on the demo camera; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export YOLO_OFFLINE := 1
export YOLO_AUTOINSTALL := False

.PHONY: install run demo test lint package clean

install:
	@bash build/install.sh

run: install
	@bash build/run-window.sh $(PY) -m gatekeeper --demo $(ARGS)

test: install
	@bash build/apt-deps.sh --check-only || true
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check gatekeeper tests
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check gatekeeper tests

package: install
	@bash build/package.sh

clean:
	rm -rf build/pyinstaller dist .pytest_cache
