# One command runs the assistant (`make run`), one runs the tests (`make test`).
# Each creates what is missing: the gateway venv (Python 3.11), the Rasa venv (Python 3.10),
# the Rasa model (only when config/domain/data changed) and the search index (only when the
# catalog changed).

VENV      := .venv
RASA_VENV := .venv-rasa
PYTHON    := $(VENV)/bin/python

.PHONY: run run-national national test setup setup-dev prepare browser lint bench bench-national clean

run: setup
	$(PYTHON) -m bot run

# The national catalog (2,642 procedures, 2,408 portal FAQs, two provinces' online levels) from
# the folder NATIONAL_SOURCE; imported again only when those files or the importer change.
NATIONAL_SOURCE ?= ../shared/catalog
NATIONAL_DIR    := var/national
NATIONAL_INDEX  := var/index-national
NATIONAL_FILES  := $(wildcard $(NATIONAL_SOURCE)/national/*.gz $(NATIONAL_SOURCE)/provincial/*.csv)
NATIONAL_CODE   := $(wildcard knowledge_base/national*.py knowledge_base/portal_faqs.py knowledge_base/provincial.py)

run-national: national
	ASSISTANT_KB_DATA_DIR=$(NATIONAL_DIR) ASSISTANT_KB_CACHE_DIR=$(NATIONAL_INDEX) $(PYTHON) -m bot run

national: $(NATIONAL_DIR)/.loaded

$(NATIONAL_DIR)/.loaded: $(NATIONAL_FILES) $(NATIONAL_CODE) | setup
	@test -n "$(NATIONAL_FILES)" || { echo "Không thấy dữ liệu quốc gia trong $(NATIONAL_SOURCE): đặt NATIONAL_SOURCE=<thư mục có national/ và provincial/>" >&2; exit 1; }
	$(PYTHON) -m knowledge_base --cache-dir $(NATIONAL_INDEX) load-national $(NATIONAL_SOURCE) --data-dir $(NATIONAL_DIR)
	touch $@

test: setup-dev browser
	$(PYTHON) -m bot prepare
	$(PYTHON) -m ruff check .
	$(VENV)/bin/lint-imports
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
	$(VENV)/bin/lint-imports

bench: setup-dev
	$(PYTHON) bench/retrieval_quality.py
	$(PYTHON) bench/search_latency.py

bench-national: setup-dev national
	$(PYTHON) bench/national_quality.py --data-dir $(NATIONAL_DIR) --cache-dir $(NATIONAL_INDEX)
	$(PYTHON) bench/national_scale.py

clean:
	rm -rf var models
