# Entry points; the README explains them. Every target installs what it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= 0
INVENTORY ?= inventories/lab
# "a+b" runs scenarios side by side (tools/run-scenarios.sh), on hosts and networks that do not
# meet. Pairs are chosen by how busy each keeps the CPUs alone: two that keep them busy gain
# nothing side by side (lab+single-host+single-kraft took about as long as lab+single-host followed
# by single-kraft), while default and single-kraft each leave about a third of them idle.
SCENARIOS ?= lab+single-host default+single-kraft kraft migration
TIMED = @start=$$(date +%s); trap 'echo "== $@: $$(( $$(date +%s) - start )) s"' EXIT;

.PHONY: help deps setup archives image lab lab-up deploy verify bench lab-down test prepare lint unit smoke molecule image-11 image-12 image-13 clean

help:
	@echo "make lab       install the machine's packages and the toolchain, build the archives, bring up the lab, deploy the cluster"
	@echo "make test      lint, unit tests, archive smoke test and every molecule scenario"
	@echo "make verify    run the full verifier against the deployed lab"
	@echo "make bench     rebuild the lab and measure it: deploy and operation times, throughput against Kafka's stock settings"
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
	$(TIMED) tools/archives/maven-mirror.sh

# The base images: Debian 12 (the lab and most scenarios), 11 and 13 (hosts of the lab scenario).
image: image-11 image-12 image-13

image-11: setup
	$(TIMED) ansible-playbook playbooks/lab-image.yml -e lab_image_tag=11

image-12: setup
	$(TIMED) ansible-playbook playbooks/lab-image.yml

image-13: setup
	$(TIMED) ansible-playbook playbooks/lab-image.yml -e lab_image_tag=13

lab: deps setup archives lab-up deploy

lab-up: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/lab-up.yml

deploy: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/cluster.yml

verify: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/verify.yml

# Brings the lab down and up again itself: the cold deploy is one of its measurements.
bench: deps setup archives
	$(TIMED) python3 tools/bench.py --inventory $(INVENTORY) $(BENCH_ARGS)

lab-down: setup
	$(TIMED) ansible-playbook -i $(INVENTORY) playbooks/lab-down.yml

# Lint (one process), the unit tests (one worker per core), the archives and base images (mostly
# downloads) and the archive smoke test (mostly waiting for one Kafka) side by side: each leaves
# CPU the others use. The scenarios after them, one at a time (see SCENARIOS).
test: setup
	@$(MAKE) --no-print-directory -j4 --output-sync=target lint unit prepare smoke
	@$(MAKE) --no-print-directory molecule

prepare: archives image

lint: setup
	$(TIMED) yamllint -s . && ansible-lint && ruff check . \
	  && vermin -q --no-tips --violations -t=3.9- kafka_verify plugins/modules plugins/module_utils

unit: setup
	$(TIMED) pytest -n auto tests/unit

# The KRaft node's TLS and SASL checks run the verifier with the .venv's kafka-python.
smoke: setup archives
	$(TIMED) tools/archives/smoke-test.sh

# A scenario without tests would pass verify silently: the script refuses it.
molecule: setup archives image
	$(TIMED) tools/run-scenarios.sh $(SCENARIOS)

clean:
	rm -rf build .pytest_cache .ruff_cache
