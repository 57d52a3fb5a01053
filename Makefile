# xwebhook: every command a newcomer needs. The first target that needs it creates .venv.
#   make run     local receiver on an embedded AWS endpoint (moto server), no AWS account, no Docker
#   make test    the whole suite: ruff, template lint, unit, integration and end-to-end tests
# See README.md for the rest (send, queue, admin, bench, build, deploy).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
BASE_PYTHON = $(shell scripts/find-python.sh)
ARGS ?=
ACTION ?= status

export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: venv run send queue admin emulator events test browser unit integration e2e lint format bench load build validate lock clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(PY) || "$$base" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	@touch $@

# The main job: receiver on http://127.0.0.1:$${PORT:-3000}/webhook, AWS endpoint on 127.0.0.1:$${AWS_PORT:-4566}.
# Template parameters other than their defaults: make run ARGS='--parameter ReplayDedup=disabled'
run: venv
	$(PY) -m localdev.run $(ARGS)

# Sign and send sample deliveries: make send ARGS='--kind favorite --kind post.create'
send: venv
	$(PY) -m localdev.send $(ARGS)

# Print (and by default consume) what is on the local events queue: make queue ARGS='--peek'
queue: venv
	$(PY) -m localdev.queue $(ARGS)

# Run the admin function against the running local stack: make admin ACTION=status ARGS='{"user_id": "1"}'
admin: venv
	$(PY) -m localdev.admin $(ACTION) '$(ARGS)'

# The X API emulator alone (the tests start their own): make emulator
emulator: venv
	$(PY) -m localdev.x_emulator $(ARGS)

# Regenerate the sam-local-invoke payloads in events/ (signed with the dev secret, see events/README.md).
events: venv
	$(PY) -m localdev.events

test: lint browser
	$(PY) -m pytest $(ARGS)

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download does
# not work everywhere). Installs the package when it is missing: needs root (as in CI) or sudo.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Chromium for the browser tests (apt-get install chromium) ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	    || { echo "could not install Chromium: install the chromium package, or set CHROMIUM=/path/to/chromium"; exit 1; }; \
	fi

unit: venv
	$(PY) -m pytest tests/unit $(ARGS)

integration: venv
	$(PY) -m pytest tests/integration $(ARGS)

e2e: venv
	$(PY) -m pytest tests/e2e $(ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(PY) -m localdev.events --check

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Every figure the README quotes, written to bench/results.json: make bench ARGS='--quick'
bench: venv
	$(PY) -m bench $(ARGS)

# The end-to-end load test alone (every activity on the queue exactly once): make load ARGS='400 enabled'
load: venv
	$(PY) -m bench.load $(ARGS)

$(SAM_VENV)/.installed:
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(SAM_VENV)/bin/python || "$$base" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

# sam build (samconfig.toml names the template) runs infra/Makefile, which wants the runtime's
# Python (3.13) on PATH to install Linux wheels and precompile .pyc files.
build: $(SAM_VENV)/.installed
	PATH="$$(dirname "$(BASE_PYTHON)"):$$PATH" $(SAM) build

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint

lock: venv
	(echo "# Exact versions for the dev/test environment (make venv). Refresh: make lock"; \
	  $(PY) -m pip freeze --exclude-editable) > requirements/constraints.txt

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache .local
