# Two commands matter: `make demo` (the main job on a generated data set) and `make test` (the test suite).
# Both create .venv on first use and reuse it afterwards. `make GPU=1 <target>` installs paddlepaddle-gpu.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
GPU ?= 0
STAMP := $(VENV)/.installed-$(GPU)
DEMO_DIR ?= demo
DEMO_MODEL := configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml
DEMO_INST_MODEL := configs/modules/instance_segmentation/PP-YOLOE_seg-S.yaml
# PP-YOLOE_seg-S: the fastest instance model per step on CPU (0.4 s per batch of 4 at 128 px). From random weights it
# learns the generated shapes with AdamW and without the scale augmentations (configs/demo/, README "The demo").
DEMO_INST_NUM := 200
DEMO_INST_SIZE := 128
DEMO_INST_TRAIN := -o Train.epochs_iters=5 -o Train.batch_size=4 -o Train.learning_rate=0.001 \
	-o Train.warmup_steps=20 -o Train.log_interval=10 -o Train.eval_interval=1 -o 'Train.input_shape=[128,128]' \
	-o Train.basic_config_path=configs/demo/PP-YOLOE_seg-S_from_scratch.yml
PYTEST_ARGS ?=

.PHONY: venv browser test test-fast demo demo-seg demo-inst clean-demo

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

# The demo: generated, seeded data sets (offline), every mode with PP-LiteSeg-T (semantic) and a short instance flow,
# the semantic model served over HTTP for one client call, then a summary table. CPU only; see README "The demo".
SEG_OUT := $(DEMO_DIR)/output
INST_OUT := $(DEMO_DIR)/inst_output
# Train.pretrain_weight_path=null: the demo runs offline (the YAMLs default to PaddleX's pretrained-weight URLs).
SEG_RUN := $(PY) main.py -c $(DEMO_MODEL) -o Global.device=cpu -o Train.num_classes=4 \
	-o Train.pretrain_weight_path=null
INST_RUN := $(PY) main.py -c $(DEMO_INST_MODEL) -o Global.device=cpu -o Train.num_classes=3 \
	-o Train.pretrain_weight_path=null
# 120 calm 128 px images, 250 iterations of batch 8: val mIoU above 0.8 from random init in a few CPU minutes.
SEG_TRAIN := -o Train.epochs_iters=250 -o Train.eval_interval=50 -o Train.log_interval=25 -o Train.batch_size=8 \
	-o 'Train.input_shape=[128,128]'
INST_TRAIN := $(DEMO_INST_TRAIN)

demo: demo-seg demo-inst
	@echo
	$(PY) -m dataset_tools.demo_summary --seg $(SEG_OUT) --inst $(INST_OUT) --seg-model $(notdir $(basename $(DEMO_MODEL))) \
		--inst-model $(notdir $(basename $(DEMO_INST_MODEL))) --serve $(DEMO_DIR)/serve.txt

# Semantic: check, train, evaluate, export, predict, the pipeline CLI and one served request (tests/test_demo.py runs it).
demo-seg: $(STAMP)
	rm -rf $(SEG_OUT) $(DEMO_DIR)/serve.txt
	$(PY) -m dataset_tools.synthetic_seg --out $(DEMO_DIR)/seg_dataset --num 120 --size 128 --seed 0 --noise 8
	$(SEG_RUN) -o Global.mode=check_dataset -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT)
	$(SEG_RUN) -o Global.mode=train -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT) $(SEG_TRAIN)
	$(SEG_RUN) -o Global.mode=evaluate -o Global.dataset_dir=$(DEMO_DIR)/seg_dataset -o Global.output=$(SEG_OUT) \
		-o Evaluate.weight_path=$(SEG_OUT)/best_model/model.pdparams
	$(SEG_RUN) -o Global.mode=export -o Global.output=$(SEG_OUT)/export \
		-o Export.weight_path=$(SEG_OUT)/best_model/model.pdparams
	$(PY) -m dataset_tools.synthetic_seg --out $(DEMO_DIR)/predict_set --num 6 --size 128 --seed 1 --noise 8
	$(SEG_RUN) -o Global.mode=predict -o Global.output=$(SEG_OUT) \
		-o Predict.model_dir=$(SEG_OUT)/export -o Predict.input=$(DEMO_DIR)/predict_set/images
	$(PY) main.py --pipeline semantic_segmentation --input $(DEMO_DIR)/predict_set/images --device cpu \
		--model_dir $(SEG_OUT)/best_model/inference --target_size -1 --save_path $(SEG_OUT)/pipeline
	$(PY) -m paddlex_train.serving.smoke --pipeline semantic_segmentation --model_dir $(SEG_OUT)/export \
		--image $(DEMO_DIR)/predict_set/images/synth_0000.jpg --output $(DEMO_DIR)/serve_result.jpg \
		> $(DEMO_DIR)/serve.txt 2>&1; status=$$?; cat $(DEMO_DIR)/serve.txt; exit $$status

# Instance: check, train, evaluate, export, predict.
demo-inst: $(STAMP)
	rm -rf $(INST_OUT)
	$(PY) -m dataset_tools.synthetic_coco --out $(DEMO_DIR)/inst_dataset --num $(DEMO_INST_NUM) --size $(DEMO_INST_SIZE) \
		--seed 0 --noise 8
	$(INST_RUN) -o Global.mode=check_dataset -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT)
	$(INST_RUN) -o Global.mode=train -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT) $(INST_TRAIN)
	$(INST_RUN) -o Global.mode=evaluate -o Global.dataset_dir=$(DEMO_DIR)/inst_dataset -o Global.output=$(INST_OUT) \
		-o Evaluate.weight_path=$(INST_OUT)/best_model/best_model.pdparams
	$(INST_RUN) -o Global.mode=export -o Global.output=$(INST_OUT)/export \
		-o Export.weight_path=$(INST_OUT)/best_model/best_model.pdparams
	$(PY) -m dataset_tools.synthetic_coco --out $(DEMO_DIR)/inst_predict_set --num 6 --size $(DEMO_INST_SIZE) \
		--seed 1 --noise 8
	$(INST_RUN) -o Global.mode=predict -o Global.output=$(INST_OUT) \
		-o Predict.model_dir=$(INST_OUT)/export -o Predict.input=$(DEMO_DIR)/inst_predict_set/images

clean-demo:
	rm -rf $(DEMO_DIR)
