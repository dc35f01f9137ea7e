# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test test-scale setup services stop bench bench-day messages

setup:
	bash scripts/bootstrap.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# The scale tests with PostgreSQL clusters of their own (standby, failover, two Celery hosts).
test-scale:
	bash scripts/test-scale.sh

services: setup
	bash scripts/services.sh start

stop:
	bash scripts/services.sh stop

messages: setup
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	.venv/bin/python manage.py compilemessages --ignore '.venv/*' --ignore 'var/*'

SCALE ?= small
ARGS ?=
bench:
	bash scripts/bench.sh $(SCALE) $(ARGS)

# Only the simulated day (bench/day/run.py): quick at small scale, the full ramp and 5-minute hold at city.
bench-day:
	bash scripts/bench.sh $(SCALE) --only simulated $(ARGS)
