"""The dynamic-graph reference of an export's parity report (tasks/base/parity.py), PaddleSeg side.

`reference(job, export_output)` gives an engine that runs the job's weights in the dynamic graph with the same
`run()` interface as the inference engines (outputs: class ids int32 [N, H, W], logits [N, C, H, W]), and the
inference.yml mapping the training config implies (val transforms, the export's input shape). The parity report
feeds that mapping, not the exported file, to the reference predictor: an inference.yml that disagrees with
training (a wrong resolution, wrong normalisation) shows up as a disagreement.
"""
import numpy as np
import paddle

from .runners import _place, load_model


class DygraphSegEngine:
    """Runs a PaddleSeg model in the dynamic graph on numpy batches (the export's input and output layout)."""

    name = "dygraph"
    input_names = ["x"]
    output_names = ["class_ids", "logits"]

    def __init__(self, model):
        self.model = model

    def run(self, inputs, outputs=None):
        """[class ids, logits] (or the `outputs` indices of them) for the float32 NCHW batch in `inputs`."""
        batch = inputs["x"] if isinstance(inputs, dict) else inputs[0]
        with paddle.no_grad():
            logit = self.model(paddle.to_tensor(np.ascontiguousarray(batch, np.float32)))[0]
            ids = paddle.argmax(logit, axis=1, dtype="int32")
        wanted = range(2) if outputs is None else outputs
        results = [ids, logit]
        return [results[i].numpy() for i in wanted]


def reference(job, export_output):
    """(DygraphSegEngine on the job's weights, the inference.yml mapping training implies)."""
    paddle.set_device(_place(job.ctx))
    model, builder, _ = load_model(job)
    shape = export_output.input_shape
    deploy = {"transforms": list(builder.config.val_dataset_cfg["transforms"]),
              "input_shape": [int(v) for v in shape] if shape else [-1, 3, -1, -1]}
    return DygraphSegEngine(model), {"Deploy": deploy, "Global": {"model_name": job.model_name,
                                                                  "num_classes": int(job.num_classes)}}
