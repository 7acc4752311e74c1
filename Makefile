# One command runs the assistant (`make run`), one runs the tests (`make test`).
# Each creates what is missing: the gateway venv (Python 3.11), the Rasa venv (Python 3.10),
# the Rasa model (only when config/domain/data changed) and the search index (only when the
# catalog changed).

VENV      := .venv
RASA_VENV := .venv-rasa
PYTHON    := $(VENV)/bin/python

.PHONY: run test setup setup-dev prepare browser lint bench clean

run: setup
	$(PYTHON) -m bot run

test: setup-dev browser
	$(PYTHON) -m bot prepare
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest

setup: $(VENV)/.installed-app $(RASA_VENV)/.installed

setup-dev: setup $(VENV)/.installed-dev

# venv creation is retried once: ensurepip was seen failing once here without a reason.
$(VENV)/bin/python:
	py="$${PYTHON311:-$$(scripts/find-python.sh 3.11 'the gateway')}" && \
	  { "$$py" -m venv $(VENV) || { rm -rf $(VENV) && "$$py" -m venv $(VENV); }; }
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed-app: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements-st.txt $(VENV)/.installed-app
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt
	test -x $(RASA_VENV)/bin/python || { \
	  py="$${PYTHON310:-$$(scripts/find-python.sh 3.10 'Rasa (rasa==3.6.21 needs Python 3.10)')}" && \
	  { "$$py" -m venv $(RASA_VENV) || { rm -rf $(RASA_VENV) && "$$py" -m venv $(RASA_VENV); }; }; }
	$(RASA_VENV)/bin/pip install -q --upgrade pip
	$(RASA_VENV)/bin/pip install -q -r requirements-rasa.txt
	touch $@

prepare: setup
	$(PYTHON) -m bot prepare

# Real-browser tests use Debian's Chromium (a browser download is not possible here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Cần Chromium cho kiểm thử trình duyệt: sudo apt-get install chromium" >&2; exit 1; fi; }

lint: setup-dev
	$(PYTHON) -m ruff check .

bench: setup-dev
	$(PYTHON) bench/retrieval_quality.py
	$(PYTHON) bench/search_latency.py

clean:
	rm -rf var models
