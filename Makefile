# Targets match the README. `make test` is exactly the README's test command.
.PHONY: setup test lint format bench demo lock

setup:
	python3 -m venv .venv && .venv/bin/pip install -q -r requirements.lock && .venv/bin/pip install -q --no-deps -e .

test: setup
	.venv/bin/pytest

demo: setup
	.venv/bin/memoryhole demo

lint:
	.venv/bin/ruff check memoryhole tests bench
	.venv/bin/mypy memoryhole

format:
	.venv/bin/ruff format memoryhole tests bench

bench:
	.venv/bin/python bench/crawl.py

# Regenerate the lock file from pyproject.toml in a clean environment.
lock:
	rm -rf /tmp/mh-lock && python3 -m venv /tmp/mh-lock && /tmp/mh-lock/bin/pip install -q '.[test]' \
	  && /tmp/mh-lock/bin/pip freeze --exclude-editable | grep -v '^memoryhole' > requirements.lock
