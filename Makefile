# xwebhook: every command a newcomer needs. The first target that needs it creates .venv.
#   make dev     the dev loop: the local stack with X's API emulated, the webhook registered and subscribed
#   make run     local receiver on an embedded AWS endpoint (moto server), no AWS account, no Docker
#   make test    the whole suite: ruff, template lint and checkov, the docs site, unit, integration and
#                end-to-end tests, then sam build and the built artifacts (tests/built)
# `make` or `make help` lists every target with the comment above it. See README.md and the docs site
# (make docs-serve) for the rest.

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

.DEFAULT_GOAL := help

.PHONY: help console awscli venv dev run send queue consume admin accounts emulator x-contract events test browser unit integration e2e built lint checkov docs docs-serve format bench load cost build runtime-sdk validate lock lock-checkov clean

# List the targets (this text): every target with the comment above it.
help:
	@echo "xwebhook: make TARGET [ARGS='...']. First time: make dev (creates .venv), then see README.md."
	@awk '/^# / { if (text == "") text = substr($$0, 3); next } \
	  /^[a-z][a-z0-9-]*:/ && text != "" { split($$0, t, ":"); printf "  make %-12s %s\n", t[1], text } \
	  { text = "" }' $(MAKEFILE_LIST)

# Create .venv with the pinned dependencies (the first target that needs it does this; about a minute).
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(PY) || { echo "creating $(VENV) with $$base ..."; "$$base" -m venv $(VENV); }
	@echo "installing the pinned dependencies into $(VENV) (about a minute the first time; pip lists each package) ..."
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -c requirements/constraints.txt -e '.[dev]'
	@echo "$(VENV) is ready: $(VENV)/bin/xwebhook is the CLI."
	@touch $@

# The dev loop in one command: the local stack with X's API emulated, the webhook registered (a real CRC)
# and the app owner subscribed, ready for xwebhook send/tail and the console; a restart says what it reset.
dev: venv
	$(PY) -m localdev.dev $(ARGS)

# The receiver, locally, and its console: webhook on PORT (3000), console on CONSOLE_PORT (3001).
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

# Run examples/consumer on the local events queue as Lambda's SQS event source would (partial batch
# failures, retries, the DLQ after MaxReceiveCount): make consume ARGS='--drain --retry-delay 0'
consume: venv
	$(PY) -m localdev.consume $(ARGS)

# Print the running local stack's console URL (make run serves it on CONSOLE_PORT, 3001).
console: venv
	@$(PY) -m localdev.console

# Run the admin function against the running local stack: make admin ACTION=status ARGS='{"user_id": "1"}'
admin: venv
	$(PY) -m localdev.admin $(ACTION) '$(ARGS)'

# Many AAA accounts on the running `make run X_EMULATOR=1`, to try `xwebhook migrate` at scale: make accounts N=500
accounts: venv
	$(PY) -m localdev.accounts --count $(or $(N),500) $(ARGS)

# The X API emulator alone (the tests start their own): make emulator
emulator: venv
	$(PY) -m localdev.x_emulator $(ARGS)

SPEC ?=
REV ?= HEAD
COMMIT ?=
# Regenerate our extract of X's OpenAPI document and print what changed for the operations, parameters,
# schemas, scopes and event types we use: make x-contract SPEC=path/to/openapi.json [COMMIT=<its commit>]
# (or SPEC=<a git checkout or mirror of xdevplatform/docs> [REV=HEAD]). README: "X's contract".
x-contract: venv
	@test -n "$(SPEC)" || { echo "usage: make x-contract SPEC=path/to/openapi.json [COMMIT=sha] (or SPEC=<docs git dir> [REV=...])"; exit 2; }
	$(PY) -m localdev.x_contract --spec "$(SPEC)" --rev "$(REV)" --commit "$(COMMIT)"

# Regenerate the sam-local-invoke payloads in events/ (signed with the dev secret, see events/README.md).
events: venv
	$(PY) -m localdev.events

# Everything CI runs (.ci/run): lint and checkov, the docs site, sam build, then every test (browser
# tests and tests/built, the built artifacts each in an isolated interpreter, included).
# XWEBHOOK_BUILT_REQUIRED makes a missing build a failure there rather than a skip.
test: lint checkov docs browser awscli build runtime-sdk
	@echo "==> pytest: unit, integration, end-to-end and tests/built (the sam build output)"
	XWEBHOOK_BUILT_REQUIRED=1 $(PY) -m pytest $(ARGS)

CHROMIUM ?= /usr/bin/chromium
# Install Debian's Chromium for the browser tests when it is missing.
# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download does
# not work everywhere). Installs the package when it is missing: needs root (as in CI) or sudo.
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Chromium for the browser tests (apt-get install chromium) ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	    || { echo "could not install Chromium: install the chromium package, or set CHROMIUM=/path/to/chromium"; exit 1; }; \
	fi

AWSCLI_V1_VERSION := 1.45.64
AWSCLI_VENV := .venv-awscli
# Install AWS CLI v1 (pip, into .venv-awscli) and v2 (Debian's awscli) for the test of the docs' aws commands.
# Debian's v2 (2.9) predates AWS_ENDPOINT_URL, as v1 ignores it: the commands must name their endpoint.
awscli:
	@test -x $(AWSCLI_VENV)/bin/aws || { \
	  echo "installing AWS CLI v1 $(AWSCLI_V1_VERSION) into $(AWSCLI_VENV) (for the docs' aws commands test) ..."; \
	  base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; "$$base" -m venv $(AWSCLI_VENV) && \
	  $(AWSCLI_VENV)/bin/python -m pip install --disable-pip-version-check --progress-bar on awscli==$(AWSCLI_V1_VERSION); }
	@if [ ! -x /usr/bin/aws ]; then \
	  echo "installing AWS CLI v2 (apt-get install awscli) for the docs' aws commands test ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq awscli >/dev/null \
	    || { echo "could not install awscli: install AWS CLI v2 as /usr/bin/aws"; exit 1; }; \
	fi

# One layer of the suite: make unit | integration | e2e (ARGS='-k name' picks tests).
unit: venv
	$(PY) -m pytest tests/unit $(ARGS)

# The integration tests: the handlers against a moto server over HTTP.
integration: venv
	$(PY) -m pytest tests/integration $(ARGS)

# The end-to-end tests: `make run` itself, the CLI, the console in Chromium.
e2e: venv
	$(PY) -m pytest tests/e2e $(ARGS)

# Only the built-artifact suite, after a fresh sam build.
built: build runtime-sdk
	XWEBHOOK_BUILT_REQUIRED=1 $(PY) -m pytest tests/built $(ARGS)

# ruff, ruff format --check, cfn-lint of the template, events/ drift.
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

# The template's security scan: zero failed checks (suppressions carry their reason in the template).
checkov: $(CHECKOV_VENV)/.installed
	@echo "==> checkov: infra/template.yaml (prints each failed check, then the counts)"
	$(CHECKOV_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation --skip-download \
	  --compact --quiet --output cli

# Refresh requirements/checkov.txt from checkov's venv.
lock-checkov: $(CHECKOV_VENV)/.installed
	(echo "# checkov and everything it pulls in, exactly (make checkov). Refresh: make lock-checkov"; \
	  $(CHECKOV_VENV)/bin/python -m pip freeze) > requirements/checkov.txt

DOCS_PORT ?= 8000
# Build the docs site into site/ (mkdocs.yml, docs/): --strict, so a broken link or anchor fails it.
docs: venv
	@echo "==> docs: mkdocs build --strict (mkdocs.yml, docs/) -> site/"
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet

# Serve the docs site on http://127.0.0.1:8000/ (DOCS_PORT), rebuilt as the pages change.
docs-serve: venv
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve --strict --dev-addr 127.0.0.1:$(DOCS_PORT)

# ruff format and ruff's fixes.
format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Every figure of the docs' Performance and cost page, into bench/results.json and that page's table:
# make bench ARGS='--quick'
bench: venv
	$(PY) -m bench $(ARGS)

# The end-to-end load test alone (every activity on the queue exactly once): make load ARGS='400 enabled'
load: venv
	$(PY) -m bench.load $(ARGS)

# The monthly AWS cost at 10 thousand, 1 million and 100 million events, from bench/results.json's
# measurements: make cost ARGS='--events-per-delivery 3 --markdown'
cost: venv
	$(PY) -m bench.cost $(ARGS)

$(SAM_VENV)/.installed:
	@echo "==> installing SAM CLI $(SAM_CLI_VERSION) into $(SAM_VENV) (first time: about 40 s)"
	@base="$(BASE_PYTHON)"; test -n "$$base" || exit 1; \
	  test -x $(SAM_VENV)/bin/python || "$$base" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --disable-pip-version-check --progress-bar on aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

# sam build: the artifacts sam deploy ships (installs SAM CLI into .venv-sam if needed).
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

# sam validate --lint.
validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint

# Refresh requirements/constraints.txt from .venv.
lock: venv
	(echo "# Exact versions for the dev/test environment (make venv). Refresh: make lock"; \
	  $(PY) -m pip freeze --exclude-editable) > requirements/constraints.txt

# Remove the venvs, build output, the docs site, caches and .local/.
clean:
	rm -rf $(VENV) $(SAM_VENV) $(AWSCLI_VENV) $(CHECKOV_VENV) $(RUNTIME_SDK) .aws-sam .pytest_cache .ruff_cache .local site
