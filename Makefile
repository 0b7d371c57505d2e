# Two commands matter: `make demo` (the main job on a generated data set) and `make test` (the test suite).
# Both create .venv on first use and reuse it afterwards. `make GPU=1 <target>` installs paddlepaddle-gpu.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
GPU ?= 0
STAMP := $(VENV)/.installed-$(GPU)
DEMO_DIR ?= demo
DEMO_MODEL := configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml
DEMO_INST_MODEL := configs/modules/instance_segmentation/MaskRCNN-ResNet50-FPN.yaml
PYTEST_ARGS ?=

.PHONY: venv browser test test-fast demo clean-demo

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ "$(GPU)" = "1" ]; then sed 's/^paddlepaddle==/paddlepaddle-gpu==/' requirements.txt > $(VENV)/requirements.txt; \
	else cp requirements.txt $(VENV)/requirements.txt; fi
	$(PY) -m pip install -q -r $(VENV)/requirements.txt
	$(PY) -m pip check
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The run-report test opens report.html in headless Chromium (Debian package); installed here when missing and root.
browser:
	@command -v chromium >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	else echo "note: Chromium is missing (apt-get install chromium); the report browser test will be skipped"; fi; }

test: $(STAMP) browser
	$(PY) -m pytest -q $(PYTEST_ARGS) tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS) tests

# The demo: a generated semantic set through every mode with PP-LiteSeg-T, then a short instance flow with
# Mask R-CNN on a generated COCO set. CPU only, a few minutes.
SEG_OUT := $(DEMO_DIR)/output
INST_OUT := $(DEMO_DIR)/inst_output
# Train.pretrain_weight_path=null: the demo runs offline (the YAMLs default to PaddleX's pretrained-weight URLs).
SEG_RUN := $(PY) main.py -c $(DEMO_MODEL) -o Global.device=cpu -o Train.num_classes=4 \
	-o Train.pretrain_weight_path=null
INST_RUN := $(PY) main.py -c $(DEMO_INST_MODEL) -o Global.device=cpu -o Train.num_classes=3 \
	-o Train.pretrain_weight_path=null

demo: $(STAMP)
	$(PY) -m dataset_tools.synthetic_seg --out $(DEMO_DIR)/seg_dataset --num 40 --size 128 --seed 0
	$(SEG_RUN) -o Global.mode=check_dataset -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT)
	$(SEG_RUN) -o Global.mode=train -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT) \
		-o Train.epochs_iters=20 -o Train.eval_interval=10 -o Train.log_interval=5 -o Train.batch_size=4 \
		-o 'Train.input_shape=[128,128]'
	$(SEG_RUN) -o Global.mode=evaluate -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT)/evaluate \
		-o Evaluate.weight_path=$(SEG_OUT)/best_model/model.pdparams
	$(SEG_RUN) -o Global.mode=export -o Global.output=$(SEG_OUT)/export \
		-o Export.weight_path=$(SEG_OUT)/best_model/model.pdparams
	$(PY) -m dataset_tools.synthetic_seg --out $(DEMO_DIR)/predict_set --num 4 --size 128 --seed 1
	$(SEG_RUN) -o Global.mode=predict -o Global.output=$(SEG_OUT)/predict \
		-o Predict.model_dir=$(SEG_OUT)/export -o Predict.input=$(DEMO_DIR)/predict_set/images
	$(PY) main.py --pipeline semantic_segmentation --input $(DEMO_DIR)/predict_set/images --device cpu \
		--model_dir $(SEG_OUT)/best_model/inference --target_size -1 --save_path $(SEG_OUT)/pipeline
	$(PY) -m dataset_tools.synthetic_coco --out $(DEMO_DIR)/inst_dataset --num 12 --size 128 --seed 0
	$(INST_RUN) -o Global.mode=check_dataset -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT)
	$(INST_RUN) -o Global.mode=train -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT) \
		-o Train.epochs_iters=2 -o Train.batch_size=2 -o Train.learning_rate=0.001 -o Train.warmup_steps=4 \
		-o Train.log_interval=2 -o 'Train.input_shape=[128,128]'
	$(INST_RUN) -o Global.mode=evaluate -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT)/evaluate \
		-o Evaluate.weight_path=$(INST_OUT)/best_model/best_model.pdparams
	$(INST_RUN) -o Global.mode=export -o Global.output=$(INST_OUT)/export \
		-o Export.weight_path=$(INST_OUT)/best_model/best_model.pdparams
	$(INST_RUN) -o Global.mode=predict -o Global.output=$(INST_OUT)/predict \
		-o Predict.model_dir=$(INST_OUT)/export -o Predict.input=$(DEMO_DIR)/inst_dataset/images
	@echo
	@echo "Semantic: check $(SEG_OUT)/check_dataset_result.json, train $(SEG_OUT)/train_result.json (curves.png),"
	@echo "  evaluate $(SEG_OUT)/evaluate/evaluate_result.json, export $(SEG_OUT)/export/"
	@echo "  predicted pictures: $(SEG_OUT)/predict/ (*_res.png pseudo-colour, *_overlay.png, *_label.png, *_res.json)"
	@echo "Instance: $(INST_OUT)/ (train_result.json, evaluate/, export/, predicted pictures in predict/)"
	@cat $(SEG_OUT)/evaluate/evaluate_result.json | head -12

clean-demo:
	rm -rf $(DEMO_DIR)
