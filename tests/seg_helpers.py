"""Helpers for the semantic-segmentation training tests (paddle is imported lazily, inside functions)."""
from pathlib import Path

import numpy as np
import pytest

from conftest import SEG_CONFIG_DIR, run_main

ARCH_DIR = Path(__file__).resolve().parent.parent / "paddlex_train" / "backends" / "paddleseg" / "archs"


@pytest.fixture(scope="module")
def data(module_tmp):
    """A seeded 6-pair 64 px SegDataset (2 val pairs) made once per test module; import it as a fixture."""
    from dataset_tools.synthetic_seg import generate

    return generate(module_tmp("seg") / "data", num=6, size=64, seed=0, val_fraction=0.34)


def seg_args(model, mode, data, out, *extra):
    """Command-line arguments of main.py for a tiny CPU run of `model`."""
    return ["-c", SEG_CONFIG_DIR / f"{model}.yaml", "-o", f"Global.mode={mode}", "-o", "Global.device=cpu",
            "-o", f"Global.dataset_dir={data}", "-o", f"Global.output={out}", "-o", "Train.num_classes=4",
            # explicit: the YAMLs default to PaddleX's pretrained URLs, and the suite never reaches the network
            "-o", "Train.pretrain_weight_path=null", *[x for e in extra for x in ("-o", e)]]


def run_ok(*args, env=None, timeout=900):
    """run_main that fails the test with the tail of the output when the exit code is not 0."""
    proc = run_main(*args, env={"OMP_NUM_THREADS": "1", **(env or {})}, timeout=timeout)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def _predictor(inference_dir, ir_optim):
    import paddle.inference as pi

    cfg = pi.Config(str(Path(inference_dir) / "inference.pdmodel"), str(Path(inference_dir) / "inference.pdiparams"))
    cfg.disable_gpu()
    cfg.disable_glog_info()
    cfg.switch_ir_optim(ir_optim)
    return pi.create_predictor(cfg)


def _run(predictor, img):
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    handle.copy_from_cpu(img)
    predictor.run()
    return predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()


def static_vs_dynamic(weight, model, data, inference_dir, num_classes=4, input_shape=None):
    """Per val image: (exported program's argmax, the same with paddle's IR passes, dynamic argmax, decisive mask).

    The IR-optimised CPU program (oneDNN fusions) may differ from the dynamic graph in the last digits; on a
    barely-trained model this can flip near-tied pixels, so `decisive` marks pixels that are not ties by the export
    parity check's rule (parity_compare.tie_map: top-2 margin >= 5% of the largest score magnitude).
    """
    import paddle
    from paddleseg.transforms import Compose

    from paddlex_train.backends.paddleseg.modeling import build, load_weights
    from paddlex_train.tasks.base.parity_compare import tie_map

    builder, _, _ = build(model, data, num_classes, input_shape=input_shape)
    net = builder.model
    load_weights(net, weight, lambda m: None)
    net.eval()
    transforms = Compose(builder.val_transforms, to_rgb=True)
    plain, optimised = _predictor(inference_dir, False), _predictor(inference_dir, True)
    results = []
    for line in (Path(data) / "val.txt").read_text().split("\n"):
        if not line.strip():
            continue
        img = transforms({"img": str(Path(data) / line.split()[0]), "trans_info": []})["img"][None]
        if input_shape:
            img = img[:, :, :input_shape[2], :input_shape[3]]
        img = np.ascontiguousarray(img, dtype=np.float32)
        with paddle.no_grad():
            scores = net(paddle.to_tensor(img))[0].numpy()
        decisive = ~tie_map(scores)  # the export parity check's own tie rule
        results.append((_run(plain, img), _run(optimised, img), scores.argmax(axis=1), decisive))
    return results
