# Two commands matter: `make demo` (the main job on a generated data set) and `make test` (the test suite).
# Both create .venv on first use and reuse it afterwards. `make GPU=1 <target>` installs paddlepaddle-gpu.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
GPU ?= 0
STAMP := $(VENV)/.installed-$(GPU)
DEMO_DIR ?= demo
DEMO_MODEL := configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml
DEMO_INST_MODEL := configs/modules/instance_segmentation/SOLOv2.yaml
PYTEST_ARGS ?=

.PHONY: venv test test-fast demo clean-demo

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ "$(GPU)" = "1" ]; then sed 's/^paddlepaddle==/paddlepaddle-gpu==/' requirements.txt > $(VENV)/requirements.txt; \
	else cp requirements.txt $(VENV)/requirements.txt; fi
	$(PY) -m pip install -q -r $(VENV)/requirements.txt
	$(PY) -m pip check
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS) tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(PY) -m dataset_tools.synthetic_seg --out $(DEMO_DIR)/seg_dataset --num 40 --size 128 --seed 0
	$(PY) main.py -c $(DEMO_MODEL) -o Global.mode=check_dataset -o Global.device=cpu -o Train.num_classes=4 \
		-o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(DEMO_DIR)/output
	@echo "check_dataset result: $(DEMO_DIR)/output/check_dataset_result.json"
	$(PY) -m dataset_tools.synthetic_coco --out $(DEMO_DIR)/inst_dataset --num 12 --size 128 --seed 0
	$(PY) main.py -c $(DEMO_INST_MODEL) -o Global.mode=check_dataset -o Global.device=cpu -o Train.num_classes=3 \
		-o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(DEMO_DIR)/inst_output

clean-demo:
	rm -rf $(DEMO_DIR)
