# sora-fcgi — two commands: `make run` and `make test`.
PORT      ?= 8080
VAR       ?= $(CURDIR)/var/run
SORA_BIN  := $(CURDIR)/.build/debug/sora
APT_PKGS  := nginx libfcgi-dev libcurl4-openssl-dev spawn-fcgi fcgiwrap pkg-config curl python3
PIP_PKGS  := pytest requests openai

# The simulated upstream under `make run`: a short but visible generation (~30 s).
RUN_SIM_ARGS ?= --step-delay 3 --steps 10

.PHONY: run stop test deps build unit e2e browser node clean

## Install missing Debian packages (needs root or sudo) and Python test packages.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build --product sora

## Build and start nginx + responder (+ simulated upstream without SORA_API_KEY) on 127.0.0.1:$(PORT).
run: build
	@SORA_BIN=$(SORA_BIN) SORA_SIM_ARGS="$(RUN_SIM_ARGS)" nginx/stack.sh start $(VAR) $(PORT)
	@echo "stop it with: make stop"

stop:
	@nginx/stack.sh stop $(VAR)

## Everything: unit tests, the simulator's own tests, end-to-end tests through nginx, page tests.
test: build
	@python3 -c "import pytest, requests, openai" 2>/dev/null || pip install -q $(PIP_PKGS)
	swift build --build-tests
	swift test --skip-build
	$(MAKE) --no-print-directory node
	python3 -m pytest -q Tests/Doubles Tests/EndToEnd $(PYTEST_ARGS)

node:
	@if ls Tests/www/*.test.mjs >/dev/null 2>&1; then node --test Tests/www/; fi

clean:
	rm -rf .build var
