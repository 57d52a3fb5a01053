# xwebhook: every command a newcomer needs. The first target that needs it creates .venv.
#   make run     local receiver on an embedded AWS endpoint (moto server), no AWS account, no Docker
#   make test    the whole suite: ruff, template lint and checkov, unit, integration and end-to-end
#                tests, then sam build and the built artifacts (tests/built)
# See README.md for the rest (send, queue, admin, bench, build, deploy).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
CHECKOV_VENV := .venv-checkov
RUNTIME_SDK := .lambda-runtime
BASE_PYTHON = $(shell scripts/find-python.sh)
ARGS ?=
ACTION ?= status

export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: venv run send queue admin emulator events test browser unit integration e2e built lint checkov format bench build \
	runtime-sdk validate lock lock-checkov clean

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

# Everything CI runs: lint and checkov, then `sam build`, then every test, tests/built (the built
# artifacts, each function in an isolated interpreter) included. XWEBHOOK_BUILT_REQUIRED makes a missing
# build a failure there rather than a skip.
test: lint checkov browser build runtime-sdk
	@echo "==> pytest: unit, integration, end-to-end and tests/built (the sam build output)"
	XWEBHOOK_BUILT_REQUIRED=1 $(PY) -m pytest $(ARGS)

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

# Only the built-artifact suite, after a fresh sam build.
built: build runtime-sdk
	XWEBHOOK_BUILT_REQUIRED=1 $(PY) -m pytest tests/built $(ARGS)

lint: venv
	@echo "==> lint: ruff, ruff format --check, cfn-lint, events/ drift"
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(PY) -m localdev.events --check

# checkov pins many packages of its own: it lives in its own venv, every package pinned in
# requirements/checkov.txt (refresh: make lock-checkov). Zero failed checks; each suppression is in the
# template with its reason (Metadata: checkov: skip: comment).
$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	@echo "==> installing checkov into $(CHECKOV_VENV) (first time: about 30 s)"
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(CHECKOV_VENV)/bin/python || "$$base" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/checkov.txt
	@touch $@

checkov: $(CHECKOV_VENV)/.installed
	@echo "==> checkov: infra/template.yaml (prints each failed check, then the counts)"
	$(CHECKOV_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation --skip-download \
	  --compact --quiet --output cli

lock-checkov: $(CHECKOV_VENV)/.installed
	(echo "# checkov and everything it pulls in, exactly (make checkov). Refresh: make lock-checkov"; \
	  $(CHECKOV_VENV)/bin/python -m pip freeze) > requirements/checkov.txt

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: venv
	$(PY) -m bench $(ARGS)

$(SAM_VENV)/.installed:
	@echo "==> installing SAM CLI $(SAM_CLI_VERSION) into $(SAM_VENV) (first time: about 40 s)"
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(SAM_VENV)/bin/python || "$$base" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

# sam build (samconfig.toml names the template) runs infra/Makefile, which wants the runtime's
# Python (3.13) on PATH to install Linux wheels and precompile .pyc files.
build: $(SAM_VENV)/.installed
	@echo "==> sam build: infra/template.yaml -> .aws-sam/build (pip downloads are cached; about 15 s warm)"
	PATH="$$(dirname "$(BASE_PYTHON)"):$$PATH" $(SAM) build

# The SDK Lambda's python3.13 runtime brings (boto3, botocore and their dependencies), for tests/built:
# installed apart from every venv, pinned in requirements/lambda-runtime.txt (which says why that version).
runtime-sdk: $(RUNTIME_SDK)/.installed

$(RUNTIME_SDK)/.installed: requirements/lambda-runtime.txt | venv
	@echo "==> installing the Lambda runtime's boto3 into $(RUNTIME_SDK)/python"
	rm -rf $(RUNTIME_SDK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	  --target $(RUNTIME_SDK)/python -r requirements/lambda-runtime.txt
	@touch $@

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint

lock: venv
	(echo "# Exact versions for the dev/test environment (make venv). Refresh: make lock"; \
	  $(PY) -m pip freeze --exclude-editable) > requirements/constraints.txt

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(RUNTIME_SDK) .aws-sam .pytest_cache .ruff_cache .local
