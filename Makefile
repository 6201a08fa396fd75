# The two commands: `make demo` and `make test`. Both set up .venv first if needed.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench dashboard lint clean constraints

venv: $(STAMP)

# Every extra (dashboard, cluster, sensitivity) and the test tools, at the versions in
# constraints.txt, so a fresh install is the one the tests ran on.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,test]'
	$(BIN)/python -m simulation.dashboard.assets
	touch $(STAMP)

# Treatment as usual against every flagship design whose file exists; under a minute on 2 cores.
FLAGSHIPS := community_peer_mentoring residential_peer_mentoring digital_peer_platform hybrid_peer_mentoring
DEMO_DESIGNS = $(wildcard $(addprefix scenarios/,$(addsuffix .yaml,$(FLAGSHIPS))))

demo: venv
	$(BIN)/recovery-sim compare scenarios/treatment_as_usual.yaml $(DEMO_DESIGNS) \
		--replicates 8 --population 2000 --seed 1 --out results/demo --report \
		--metric lapse_free_90 --metric relapse_rate_365 --metric in_recovery_end \
		--metric overdose_deaths --metric cost_per_participant
	@echo "Planners' report: $(CURDIR)/results/demo/report.html"
	# Like for like: the opioid design against usual care for the same opioid cohort.
	$(BIN)/recovery-sim compare scenarios/populations/opioid.yaml \
		scenarios/opioid_withdrawal_support.yaml \
		--replicates 8 --population 2000 --seed 1 --out results/demo-opioid --report \
		--metric relapse_rate_365 --metric overdose_deaths --metric cost_per_participant
	@echo "Opioid cohort report: $(CURDIR)/results/demo-opioid/report.html"

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The dashboard on http://127.0.0.1:8765 (PORT=8799 make dashboard for another port).
PORT ?= 8765
dashboard: venv
	$(BIN)/python -m simulation.dashboard.assets
	$(BIN)/recovery-sim dashboard --port $(PORT)

# Agent-days per second, peak memory and scaling 10k -> 1M; then the same runs beside Starsim
# (bench_peers.py builds Starsim in a cached venv of its own the first time); then experiments'
# parallel efficiency per added worker.
bench: venv
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_peers.py
	$(BIN)/python benchmarks/bench_experiments.py

lint: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format --check . || true

# Pin what is installed now (after changing dependencies in pyproject.toml and installing them).
constraints: venv
	(echo "# Exact versions of every package a fresh \`make venv\` installs (Python 3.11), so two installs"; \
	 echo "# are the same. Regenerate after changing dependencies: make constraints"; \
	 $(BIN)/python -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf $(VENV) results .pytest_cache
