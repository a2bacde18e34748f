# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-project
SHARED ?= ../shared/data
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench lock clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the pinned lock, then the package itself (editable, no dependency resolution).
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/python -m pytest -n 2 -q

demo: install
	$(BIN)/allytrace demo --project $(DEMO) --data $(SHARED)

bench: install
	$(BIN)/python bench/run.py

docs: install
	$(BIN)/python docs/generate.py

# Regenerate the lock from pyproject (run by maintainers, not by set-up).
lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^allytrace' > requirements.lock

clean:
	rm -rf $(VENV) $(DEMO)
