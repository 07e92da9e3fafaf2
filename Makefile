# Everything a fresh machine needs: Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= clinic-queue.db
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-long check bench browser voice postgres autofailover nginx clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make demo HOST=0.0.0.0`: phones on the clinic's network can open the QR code (it holds this
# machine's LAN address); `PUBLIC_URL=http://ADDRESS:8765` names the address yourself.
# `make demo SIMULATE=1`: a simulated clinic works the other desks at the wall clock.
demo: $(STAMP)
	CLINIC_QUEUE_DB=$(DB) $(if $(HOST),CLINIC_QUEUE_HOST=$(HOST)) $(if $(SIMULATE),CLINIC_QUEUE_SIMULATE=$(SIMULATE)) \
	  $(if $(PUBLIC_URL),CLINIC_QUEUE_PUBLIC_URL=$(PUBLIC_URL)) $(BIN)/python -m clinic_queue.demo

test: $(STAMP) browser voice postgres autofailover nginx
	$(BIN)/python -m pytest -q

# While working: everything but the tests marked slow (processes, browsers, real-time waits).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# The fault scenarios at the length docs/benchmarks.md reports: minutes, so not in `make test`.
test-long: $(STAMP)
	CLINIC_QUEUE_LONG=1 $(BIN)/python -m pytest -q tests/faults tests/faults_server

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

bench: $(STAMP) nginx
	$(BIN)/python -m benchmarks.run_all

# Browser tests drive Debian's chromium through Playwright (no browser download).
# The TV's layout tests measure Chinese text: without a CJK font it is drawn as boxes of
# another width, so the font is installed with the browser.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium or a CJK font not found: install Debian's chromium and fonts-wqy-microhei packages for the browser tests"; fi; }

# The display server's baseline voice (docs/voice.md): espeak-ng, Mandarin and English, offline.
voice:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null; \
	  else echo "espeak-ng not found: install Debian's espeak-ng package for the server's spoken calls"; fi; }

# The tests' PostgreSQL servers (tests/pg.py): Debian's postgresql, run by the fixture itself
# in a temporary directory as the package's unprivileged user, never as a system service.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	  else echo "initdb not found: install Debian's postgresql package for the tests on PostgreSQL"; fi; }

# The automatic failover test (tests/pg_autofailover.py): pg_auto_failover's pg_autoctl and its
# extension for the installed PostgreSQL major version, run by the test as the postgres user.
autofailover: postgres
	@{ command -v pg_autoctl >/dev/null 2>&1 && ls /usr/lib/postgresql/*/lib/pgautofailover.so >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ]; then major=$$(ls /usr/lib/postgresql | sort -n | tail -1) && \
	    apt-get update -qq && apt-get install -y -qq pg-auto-failover-cli postgresql-$$major-auto-failover >/dev/null; \
	  else echo "pg_autoctl not found: install Debian's pg-auto-failover-cli and postgresql-MAJOR-auto-failover packages for the automatic failover test"; fi; }

# The several-servers tests and benchmarks (tests/nginx.py): Debian's nginx in front of two
# `clinic-queue serve` processes, run by the test itself from a temporary directory.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
	  else echo "nginx not found: install Debian's nginx package for the several-servers tests"; fi; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
