# sora-fcgi — two commands: `make run` and `make test`.
PORT      ?= 8080
VAR       ?= $(CURDIR)/var/run
# `make run` uses the release build that deployments use: Swift's runtime and Foundation linked
# statically, so the binary runs on hosts without Swift (shared hosting) and each worker maps
# less memory. Tests use the debug build.
RUN_BIN   := $(CURDIR)/.build/release/sora
# Size-minded release flags (issue 9: ≤ 20 MB stripped): lld (shipped with the toolchain) drops
# unused sections, export no symbols (nothing loads the binary as a
# library), pack relative relocations (DT_RELR, glibc ≥ 2.36: Debian 12, Ubuntu 22.10), and
# put the functions a worker runs together (packaging/worker-order.txt, `make worker-order`), so
# the kernel's fault-around maps less of the binary into each worker.
# libstdc++ is linked in as well: Swift's runtime uses a little of it, and loading the shared
# library cost every worker and responder about 1 MiB of RSS. The driver asks for -lstdc++, and
# a linker script of that name in $(CXX_STATIC) points it at GCC's archive (where there is none,
# the shared library as before).
LIBSTDCXX_A := $(filter /%,$(shell clang++ -print-file-name=libstdc++.a 2>/dev/null))
CXX_STATIC  := $(CURDIR)/.build/static-cxx
# libcurl comes from its archive too, without the LDAP, RTMP, SSH and Kerberos libraries that
# libcurl.so drags into every worker (about 4 MiB of RSS): packaging/static-curl.sh writes a
# libcurl.pc in $(CURL_STATIC) that SwiftPM reads first (without Debian's libcurl.a, libcurl.so).
CURL_STATIC := $(CURDIR)/.build/static-curl
RELEASE   := PKG_CONFIG_PATH=$(CURL_STATIC)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} \
             swift build -c release --static-swift-stdlib -Xswiftc -use-ld=lld \
             -Xlinker --gc-sections -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs \
             -Xlinker --symbol-ordering-file=$(CURDIR)/packaging/worker-order.txt -Xlinker --no-warn-symbol-ordering \
             $(if $(LIBSTDCXX_A),-Xlinker -L$(CXX_STATIC))
APT_PKGS  := nginx libfcgi-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev spawn-fcgi fcgiwrap pkg-config curl python3
# Test-only: the browser, a CJK font for readable screenshots, wrk and ab for the benchmarks' smoke
# run, openssl for the test CAs, GNU time for curl's peak RSS.
TEST_APT  := chromium fonts-wqy-microhei wrk apache2-utils openssl time
# Python test packages live in a virtual environment (stock Debian refuses system pip), pinned in
# Tests/requirements.txt. VENV=/elsewhere shares one between checkouts.
VENV      ?= $(CURDIR)/.venv
PY        := $(VENV)/bin/python

# The poller benchmark follows one task this long (issue 7 asks for 10 minutes).
POLLER_MINUTES ?= 10

# The simulated upstream under `make run`: a short but visible generation (~30 s).
RUN_SIM_ARGS ?= --step-delay 3 --steps 10

.PHONY: run stop test deps venv build build-release node stamp bench clean deb tarball test-package worker-order

## Install missing Debian packages (needs root or sudo) and Python test packages.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## The test virtual environment, (re)made when Tests/requirements.txt changes.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/requirements.txt
	@dpkg -s python3-venv >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y -qq python3-venv; }
	/usr/bin/python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
	touch $@

build: deps
	swift build --product sora

build-release: deps
	@# The linker scripts for a static libstdc++ and libcurl (above), rewritten only when they change.
	@if [ -n "$(LIBSTDCXX_A)" ] && [ "$$(cat $(CXX_STATIC)/libstdc++.so 2>/dev/null)" != "INPUT($(LIBSTDCXX_A))" ]; then \
	  mkdir -p $(CXX_STATIC) && echo "INPUT($(LIBSTDCXX_A))" > $(CXX_STATIC)/libstdc++.so; fi
	@packaging/static-curl.sh $(CURL_STATIC) > /dev/null
	@# SwiftPM doesn't see those files or the ordering file as inputs: a newer one forces a relink.
	@for b in sora sora-store-probe sora-stream-bench; do \
	  for f in packaging/worker-order.txt $(CXX_STATIC)/libstdc++.so $(CURL_STATIC)/libsora-curl.so; do \
	    [ ! -e .build/release/$$b ] || [ ! -e $$f ] || [ ! $$f -nt .build/release/$$b ] || rm -f .build/release/$$b; done; done
	$(RELEASE) --product sora

## Build and start nginx + responder (+ simulated upstream without SORA_API_KEY) on 127.0.0.1:$(PORT).
run: build-release
	@SORA_BIN=$(RUN_BIN) SORA_SIM_ARGS="$(RUN_SIM_ARGS)" nginx/stack.sh start $(VAR) $(PORT)
	@echo "stop it with: make stop"

stop:
	@nginx/stack.sh stop $(VAR)

## Everything: Swift unit tests, the page's logic tests (node), the doubles' own tests (openai SDK,
## oss2, moto), end-to-end tests through nginx, and the page in real Chromium.
test: build
	@missing=""; for p in $(TEST_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	@$(MAKE) --no-print-directory venv
	swift build --build-tests
	swift test --skip-build
	$(MAKE) --no-print-directory node
	$(PY) -m pytest -q Tests/Doubles Tests/EndToEnd Tests/Browser $(PYTEST_ARGS)

## Benchmarks (ratios against a baseline measured in the same run).
# Benchmark stacks live beside the checkout, on the disk `make run` uses (a long-lived /tmp can
# create files many times slower, which a submit does ten times), and go at the next run.
bench: export SORA_STACKS_DIR := $(CURDIR)/var/bench
bench: build-release venv
	rm -rf $(SORA_STACKS_DIR)
	$(RELEASE) --product sora-store-probe
	$(RELEASE) --product sora-stream-bench
	$(PY) Tests/Benchmarks/results.py --reset
	$(PY) Tests/Benchmarks/binary_size.py
	$(PY) Tests/Benchmarks/stream_read.py --bin $(CURDIR)/.build/release/sora-stream-bench
	SORA_BIN=$(CURDIR)/.build/release/sora $(PY) Tests/Benchmarks/bench_api.py
	$(PY) Tests/Benchmarks/bench_throughput.py
	$(PY) Tests/Benchmarks/bench_submits.py
	$(PY) Tests/Benchmarks/bench_download.py
	SORA_BIN=$(CURDIR)/.build/release/sora $(PY) Tests/Benchmarks/bench_library.py
	SORA_BIN=$(CURDIR)/.build/release/sora $(PY) Tests/Benchmarks/bench_upload_load.py
	$(PY) Tests/Benchmarks/upload_rss.py --probe $(CURDIR)/.build/release/sora-store-probe
	$(PY) Tests/Benchmarks/worker_rss.py
	$(PY) Tests/Benchmarks/poller_cost.py --minutes $(POLLER_MINUTES)
	$(PY) Tests/Benchmarks/workers_pss.py
	@echo; echo "make bench: one table (ratios against baselines measured in this run)"; $(PY) Tests/Benchmarks/results.py

## Rewrite packaging/worker-order.txt from workers run under callgrind (after changing the worker).
worker-order: build-release venv
	$(PY) packaging/worker-order.py

## Name the page's assets by their content hash in www/index.html (after changing www/js or www/css).
stamp:
	node Tests/www/assets.mjs --stamp

## Packages from the release build, in dist/ (offline): a Debian package and the shared-hosting
## tarball (plain CGI, no root). test-package installs the .deb on this machine (root; meant for
## CI and throwaway containers), serves one simulated job through nginx, then purges it.
DIST ?= $(CURDIR)/dist
deb: build-release
	packaging/deb/build.sh $(RUN_BIN) $(DIST)

tarball: build-release
	packaging/tarball/build.sh $(RUN_BIN) $(DIST)

# Speed over size for a package that is installed once and purged (make deb alone: xz -6).
test-package: export DEB_XZ_LEVEL = 1
test-package: deb tarball venv
	$(PY) -m pytest -q Tests/Package $(PYTEST_ARGS)

node:
	@command -v node >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get install -y -qq nodejs; }
	node --test Tests/www/

clean:
	rm -rf .build var .venv dist
