# Entry points; the README explains them. Every target installs what it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= 0
INVENTORY ?= inventories/lab
SCENARIOS ?= lab default single-host kraft
TIMED = @start=$$(date +%s); trap 'echo "== $@: $$(( $$(date +%s) - start )) s"' EXIT;

.PHONY: help deps setup archives image lab lab-up deploy verify lab-down test lint unit smoke molecule clean

help:
	@echo "make lab       install the machine's packages and the toolchain, build the archives, bring up the lab, deploy the cluster"
	@echo "make test      lint, unit tests, archive smoke test and every molecule scenario"
	@echo "make verify    run the full verifier against the deployed lab"
	@echo "make lab-down  remove the lab's containers and network"

$(VENV)/.installed: requirements.txt constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

setup: $(VENV)/.installed

# The machine's own packages (Docker engine, debootstrap, Maven, JDK) and a running engine.
deps:
	$(TIMED) tools/install-deps.sh

archives:
	$(TIMED) tools/archives/build.sh

image: setup
	$(TIMED) ansible-playbook playbooks/lab-image.yml

lab: deps setup archives lab-up deploy

lab-up: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/lab-up.yml

deploy: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/cluster.yml

verify: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/verify.yml

lab-down: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/lab-down.yml

test: lint unit smoke molecule

lint: setup
	$(TIMED) yamllint -s . && ansible-lint && ruff check .

unit: setup
	$(TIMED) pytest -n auto tests/unit

smoke: archives
	$(TIMED) tools/archives/smoke-test.sh

# A scenario without tests would pass verify silently: refuse it.
molecule: setup archives image
	$(TIMED) for scenario in $(SCENARIOS); do \
	  ls molecule/$$scenario/tests/test_*.py >/dev/null 2>&1 || { echo "molecule/$$scenario has no tests"; exit 1; }; \
	  s=$$(date +%s); molecule --base-config .config/molecule/config.yml test -s $$scenario; echo "== molecule $$scenario: $$(( $$(date +%s) - s )) s"; \
	done

clean:
	rm -rf build .pytest_cache .ruff_cache
