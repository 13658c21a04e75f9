# everifin-webhook: `make demo` runs the main job on built-in defaults, `make test` runs every
# test (Rust, C, PHP, Python). Both install what is missing on a fresh Debian machine, except Rust itself (rustup).

SHELL := /bin/bash
# Cargo's output folder: CARGO_TARGET_DIR when set (as cargo does; relative to this folder), else
# target/. Every script finds it through scripts/target-dir.sh (given the value make sees, which
# includes CARGO_TARGET_DIR=... on make's command line).
TARGET_DIR := $(shell CARGO_TARGET_DIR='$(CARGO_TARGET_DIR)' bash scripts/target-dir.sh)
LIB := $(TARGET_DIR)/release/libeverifin_webhook.so
export EVERIFIN_WEBHOOK_LIB := $(LIB)

# make install: where, and a staging root for packagers.
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: demo test test-rust test-c test-php test-python test-demo lib cli headers lint bench bench-php bench-php-fpm bench-python php-lib vectors deps-rust deps-cargo \
	dist sdk install test-dist test-wordpress fuzz loadtest test-loadtest

# The demo shop (PHP, SQLite) receiving the shipped scenario from `everifin-webhook send`.
demo: deps-cargo
	bash scripts/demo.sh

test: test-rust test-c test-php test-python test-demo test-dist test-wordpress test-loadtest
	@echo "make test: Rust, C, PHP, Python, demo, dist, WordPress and load-test suites passed"

# Rust itself comes from rustup (Debian's rustc is older than the crate's rust-version, 1.85):
# the one prerequisite the make targets do not install.
deps-cargo:
	@bash scripts/need-cargo.sh

# Rust toolchain components used by lint (the machine's toolchain comes from rustup).
deps-rust: deps-cargo
	@cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

lib: deps-rust
	cargo build --release --lib

# The command-line tool: $(TARGET_DIR)/release/everifin-webhook (docs/cli.md).
cli: deps-rust
	cargo build --release --features cli

# Regenerate the committed headers after changing src/ffi.rs (tests/headers.rs fails until then).
headers: deps-rust
	EVF_WRITE_HEADERS=1 cargo build --release --lib

# scripts/check-target-dir.sh: no script names cargo's output folder itself (scripts/target-dir.sh does).
lint: deps-rust
	bash scripts/check-target-dir.sh
	cargo fmt --all -- --check
	cargo clippy --all-targets --all-features -- -D warnings

# Rewrite and check the shared vectors from their generator.
vectors:
	python3 tests/vectors/gen/make_vectors.py
	python3 tests/vectors/gen/check_vectors.py

test-rust: lint
	python3 tests/vectors/gen/check_vectors.py
	cargo test --all-features
	cargo bench --bench verify -- --test
	cargo run --release --quiet --example demo > /dev/null

test-c: lib
	bash tests/c/run.sh

test-php: lib
	bash bindings/php/tests/run.sh

test-python: lib
	bash bindings/python/tests/run.sh

# The demo, broken copies of its shop that it must fail, and the shop against big and misdirected
# POSTs (scripts/test-demo.sh).
test-demo: deps-cargo
	bash scripts/test-demo.sh

# dist/: the C SDK tarball, the manylinux wheel, the WooCommerce plugin and PrestaShop module ZIPs,
# every .so linked against glibc 2.17 with cargo-zigbuild (EVF_TARGET=<rust target> for another
# target; docs/release.md). Installs zig, cargo-zigbuild and auditwheel itself.
dist: deps-rust
	bash scripts/dist.sh all

# Only the C SDK tarball: dist/everifin-webhook-<version>-<triple>.tar.gz (build it as yourself).
sdk: deps-rust
	bash scripts/dist.sh sdk

# The C SDK into $(DESTDIR)$(PREFIX): bin/everifin-webhook, include/, lib/ (.so.<version>, .so.1,
# .so, .a, pkgconfig/).
# `make sdk`, then `sudo make install`: it copies the tarball, and builds it first only when dist/
# has none of this version newer than its sources (scripts/install.sh). No Rust toolchain needed.
install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh

# What dist/ ships, installed as users do: versions, glibc <= 2.17, the C SDK via pkg-config, the
# wheel in fresh virtualenvs of the oldest and newest Python, the PrestaShop module's SQL on a
# private MariaDB (tests/dist/run.sh installs mariadb-server and php-mysql as wordpress.sh does).
test-dist: deps-rust
	bash tests/dist/run.sh

# The plugin ZIP in a real WordPress (Debian's package, MariaDB, PHP-FPM, nginx on 127.0.0.1).
test-wordpress: deps-rust
	bash tests/dist/wordpress.sh

# Speed figures: verify+normalize as a ratio to a bare HMAC-SHA256 of the same bytes; each binding
# against a lean hand-written verifier in its language (and the raw library call).
bench: deps-rust bench-php bench-python
	cargo bench --bench verify

# The library where the PHP binding looks for it, and the header ffi.preload loads.
php-lib: lib
	mkdir -p bindings/php/lib
	cp -f $(LIB) bindings/php/lib/libeverifin_webhook.so
	php bindings/php/bin/ffi-header.php

# PHP binding (FFI and fallback) against a lean hand-written PHP verifier, in one process.
bench-php: lib
	bash bindings/php/bench/run.sh

# Worker CPU per request under nginx + PHP-FPM + wrk (root; installs what it needs; not in `make test`).
bench-php-fpm: lib
	bash bindings/php/bench/fpm.sh

bench-python: lib
	python3 bindings/python/bench/bench.py

# Fuzzing (docs/proof.md): every cargo-fuzz target for FUZZ_SECONDS (default 60) on one core, then
# the differential fuzz of the PHP fallback against the core. Last line: `fuzz: T targets, E
# executions, C crashes`. Not part of `make test` (building the instrumented targets alone takes
# minutes on a fresh machine).
fuzz: deps-rust
	bash fuzz/run.sh

# Order safety under load and faults (docs/proof.md): nginx + PHP-FPM (FFI preload) + MariaDB,
# LOADTEST_REQUESTS (default 20000) webhook deliveries at concurrency 32 with PHP-FPM workers killed.
loadtest: deps-rust
	bash loadtest/run.sh

# The load test in `make test`: 2000 requests, every story kind (LOADTEST_STORIES narrows them).
test-loadtest: deps-rust
	LOADTEST_REQUESTS=$${LOADTEST_TEST_REQUESTS:-2000} bash loadtest/run.sh
