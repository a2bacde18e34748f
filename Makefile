# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-project
SHARED ?= ../shared/data
STAMP  := $(VENV)/.installed

.PHONY: demo test install bench lock clean browser-deps vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the pinned lock, then the package itself (editable, no dependency resolution).
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

CHROMIUM ?= /usr/bin/chromium
# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser),
# with IPA fonts so Japanese names render in screenshots. Needs root or an existing install.
browser-deps:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic fonts-ipaexfont-mincho >/dev/null; }

test: install browser-deps
	$(BIN)/python -m pytest -n 2 -q

demo: install
	$(BIN)/allytrace demo --project $(DEMO) --data $(SHARED)

bench: install
	$(BIN)/python bench/run.py

VENDOR_DIR := src/allytrace/web/static/vendor
# Maintainers only: refresh the committed JavaScript (htmx, Vega, Vega-Lite, vega-embed) from npm.
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && \
	npm pack --silent htmx.org@2.0.11 vega@6.4.0 vega-lite@6.4.3 vega-embed@7.3.0 >/dev/null && \
	for f in *.tgz; do mkdir -p $${f%.tgz} && tar xzf $$f -C $${f%.tgz}; done && \
	cp htmx.org-2.0.11/package/dist/htmx.min.js vega-6.4.0/package/build/vega.min.js \
	   vega-lite-6.4.3/package/build/vega-lite.min.js vega-embed-7.3.0/package/build/vega-embed.min.js \
	   $(CURDIR)/$(VENDOR_DIR)/ && \
	sed -i '/^\/\/# sourceMappingURL=/d' $(CURDIR)/$(VENDOR_DIR)/*.min.js && rm -rf $$tmp

# Regenerate the lock from pyproject (run by maintainers, not by set-up).
lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^allytrace' > requirements.lock

clean:
	rm -rf $(VENV) $(DEMO)
