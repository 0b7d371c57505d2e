"""SeaFormer exports with a dynamic input shape; paddle.inference equals the dynamic graph, also at 500x700."""
import os

import numpy as np
import pytest

paddle = pytest.importorskip("paddle")
pytest.importorskip("paddleseg")

from paddlex_train.backends.paddleseg import models as _models  # noqa: E402,F401
from paddleseg.cvlibs import manager  # noqa: E402


@pytest.fixture(scope="module")
def exported(module_tmp):
    """SeaFormer_tiny (5 classes, BN statistics made non-trivial by a few train-mode passes) saved as a static
    program with input spec [None, 3, None, None]."""
    paddle.seed(0)
    model = manager.MODELS["SeaFormerSeg"](num_classes=5, backbone=manager.BACKBONES["SeaFormer_tiny"]())
    model.train()
    for _ in range(2):
        model(paddle.rand([2, 3, 96, 128]))
    model.eval()
    prefix = str(module_tmp("seaformer_export") / "inference")
    spec = [paddle.static.InputSpec([None, 3, None, None], "float32", "x")]
    paddle.jit.save(paddle.jit.to_static(model, input_spec=spec, full_graph=True), prefix)
    return model, prefix


def _predictor(prefix):
    from paddle import inference

    config = inference.Config(prefix + ".pdmodel", prefix + ".pdiparams")
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(1)
    return inference.create_predictor(config)


@pytest.mark.parametrize("shape", [(1, 3, 500, 700), (2, 3, 64, 64), (1, 3, 97, 130)])
def test_static_prediction_equals_dynamic_graph(exported, shape):
    model, prefix = exported
    assert os.path.getsize(prefix + ".pdiparams") > 1_000_000
    x = np.random.RandomState(sum(shape)).uniform(-1, 1, shape).astype("float32")
    expected = model(paddle.to_tensor(x))[0].numpy()
    predictor = _predictor(prefix)
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    handle.reshape(list(shape))
    handle.copy_from_cpu(x)
    predictor.run()
    got = predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()
    assert got.shape == (shape[0], 5, shape[2], shape[3])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert (got.argmax(1) == expected.argmax(1)).mean() > 0.999
