# The front door: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# The demo's own witness (c2sp.org/tlog-witness), so that `make run` publishes witnessed checkpoints.
WITNESS_PORT ?= 7380
WITNESS_NAME := witness.localhost/demo-w1
WITNESS_DIR  := instance/witness
export FLASK_APP := wsgi:app

.PHONY: install run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/registry db upgrade
	$(BIN)/registry demo
	mkdir -p $(WITNESS_DIR)
	log_vkey=$$($(BIN)/registry keys vkey) || exit 1; \
	witness_vkey=$$($(BIN)/registry witness vkey --name $(WITNESS_NAME) \
		--key-file $(WITNESS_DIR)/key.pem) || exit 1; \
	printf 'log %s\nwitness w1 %s http://127.0.0.1:$(WITNESS_PORT)\nquorum w1\n' \
		"$$log_vkey" "$$witness_vkey" > instance/witness-policy.txt; \
	$(BIN)/registry witness serve --name $(WITNESS_NAME) --key-file $(WITNESS_DIR)/key.pem \
		--log "$$log_vkey" --db $(WITNESS_DIR)/witness.sqlite3 --port $(WITNESS_PORT) & \
	witness=$$!; trap 'kill $$witness 2>/dev/null' EXIT INT TERM; \
	for _ in $$(seq 50); do $(BIN)/python -c "import socket; \
		socket.create_connection(('127.0.0.1', $(WITNESS_PORT)), 1).close()" 2>/dev/null \
		&& break; sleep 0.2; done; \
	echo "serving on http://127.0.0.1:$(PORT) (witness on :$(WITNESS_PORT); Ctrl-C stops)"; \
	REGISTRY_WITNESS_POLICY=instance/witness-policy.txt \
	$(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:$(PORT) \
		--graceful-timeout 5 --access-logfile - wsgi:app

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
