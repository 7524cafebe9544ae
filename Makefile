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

.PHONY: install run test lint audit lock bench messages clean

# Everything is installed from the lock file, every distribution checked against its hash;
# the project itself goes in last, without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
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

# The suite runs over every core: one pytest worker per core, each test file kept on one worker
# (its module fixtures built once). `make test PYTEST_WORKERS=0` runs it in this process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Known vulnerabilities in the locked versions (PyPI's advisory service, as pip-audit reads it).
audit: install
	$(BIN)/pip-audit --requirement requirements.lock --require-hashes --disable-pip \
		--progress-spinner off

# Re-resolve every dependency within pyproject.toml's ranges and record the exact versions
# and hashes; commit the result.
lock:
	test -x $(BIN)/pip-compile || $(BIN)/python -m pip install -q 'pip-tools>=7.4,<8'
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra dev \
		--generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The domain's reasons are the templates given to its error constructors (docs/errors.md).
BABEL_KEYWORDS := -k _l -k translatable -k DomainError -k NotFound -k Conflict -k Forbidden \
	-k SigningUnavailable -k SignatureInvalid -k InvalidBundle -k KeyRejected -k LoginRefused \
	-k EnrolmentRefused -k MalformedSubmission -k UnknownLog -k UntrustedCheckpoint \
	-k InconsistentCheckpoint -k SourceUnavailable -k InvalidProof -k InvalidNote \
	-k TileUnavailable -k InvalidValue:2 -k EgressRefused:2 -k ListTypeError:2 \
	-k InvalidCheckpoint -k InvalidCosignature -k InvalidPolicy:2 -k InvalidTransition:3 \
	-k ScreeningIndexPending -k row_error:3

# Extract every message (site, console, domain reasons) into the template; new messages are
# then added to both catalogues by hand, in one block at the end (see babel.cfg). The OpenAPI
# texts' extraction method is imported from this checkout.
messages: install
	PYTHONPATH=$(CURDIR) $(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--no-wrap -o api/translations/messages.pot .
	$(BIN)/pybabel compile -d api/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
