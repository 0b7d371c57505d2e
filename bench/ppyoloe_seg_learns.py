"""PP-YOLOE_seg-S learns: from random init on a few generated images, the total loss halves, then mask AP50 > 0.

Trains the architecture file's model (ppdet config from the backend's build_config, as main.py builds it) on a
seeded synthetic COCO set of --images images at --size px, on CPU, and evaluates mask AP on the same images with
ppdet's COCO metric. The train reader keeps the recipe's ops minus the random distort/expand/crop (they make a
4-image memorisation test needlessly noisy); EMA is off so the evaluation sees the trained weights.

    python bench/ppyoloe_seg_learns.py [--images 4] [--size 320] [--iters 300] [--lr 0.001] [--out DIR]

Prints one JSON line: first/last loss (means of 10 iterations), their ratio, the seconds taken and mask/bbox AP50.
Exit status 0 when the loss at least halved and mask AP50 > 0.
"""
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _learns_common import evaluate, learns_parser, make_data, memorisation_config, train, work_folder  # noqa: E402

MODEL = "PP-YOLOE_seg-S"
RANDOM_OPS = ("RandomDistort", "RandomExpand", "RandomCrop")


def main(argv=None):
    # lr: the recipe's; 0.01 diverged
    args = learns_parser(__doc__.splitlines()[0], images=4, batch_size=2, lr=0.001, warmup=20).parse_args(argv)

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import numpy as np

    import paddlex_train.backends.paddledet  # noqa: F401  (paddle, compat patches, model registration)

    with work_folder(args.out, "ppyoloe_seg_learns_") as work:
        data = work / "data"
        num_classes = make_data(data, args.images, args.size, args.seed)
        cfg = memorisation_config(MODEL, data, work / "out", args, num_classes, RANDOM_OPS)
        start = time.time()
        # the head reads the epoch id; one cosine over the whole run
        model, losses = train(cfg, args.iters, args.seed, one_cosine=True, batch_fields={"epoch_id": 0},
                              log_losses={"mask": "loss_mask"})
        train_s = time.time() - start
        if args.out:  # keep the trained weights for a re-evaluation
            import paddle

            paddle.save(model.state_dict(), str(work / "trained.pdparams"))
        ap = evaluate(model, cfg, work / "out")
        first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
        result = {"images": args.images, "size": args.size, "iters": len(losses), "lr": args.lr,
                  "loss_first10": round(first, 4), "loss_last10": round(last, 4),
                  "ratio": round(last / first, 4), "train_s": round(train_s, 1), **ap}
        print(json.dumps(result))
        return 0 if last <= 0.5 * first and ap["mask_ap50"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
