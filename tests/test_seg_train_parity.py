"""Our training loop reproduces paddleseg.core.train: same seed, same data, CPU -> the first 10 losses agree."""
import importlib

import pytest

from conftest import SEG_CONFIG_DIR


@pytest.mark.slow
def test_first_10_losses_equal_paddleseg_core_train(tmp_path, monkeypatch):
    from dataset_tools.synthetic_seg import generate
    from paddlex_train.backends.paddleseg.modeling import build
    from paddlex_train.backends.paddleseg.session import SegTrainSession
    from paddlex_train.config.loader import load_config
    from paddlex_train.training.seed import seed_everything

    data = generate(tmp_path / "data", num=8, size=64, seed=0, val_fraction=0.25)
    overrides = ["Global.mode=train", "Global.device=cpu", f"Global.dataset_dir={data}",
                 f"Global.output={tmp_path / 'ours'}", "Train.num_classes=4", "Train.input_shape=[64,64]",
                 "Train.batch_size=2", "Train.epochs_iters=10", "Train.seed=7", "Train.pretrain_weight_path=null"]
    config = load_config(SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", overrides)
    (tmp_path / "ours").mkdir()
    session = SegTrainSession(config, tmp_path / "ours", lambda m: None)
    ours = [session.run_unit(i)["loss"] for i in range(1, 11)]
    session.close()  # stop its loader thread before the RNG is re-seeded for the other run

    core_train = importlib.import_module("paddleseg.core.train")
    seed_everything(7)  # the same order of RNG use as SegTrainSession: seed, model, loss, optimizer, datasets
    builder, _, _ = build("PP-LiteSeg-T", data, 4, 10, 2, 0.01, 0, [64, 64])
    model, losses, optimizer = builder.model, builder.loss, builder.optimizer
    train_dataset, _ = builder.train_dataset, builder.val_dataset
    theirs = []
    patched = core_train.loss_computation

    def recording(**kwargs):
        loss_list = patched(**kwargs)
        theirs.append(float(sum(loss_list)))
        return loss_list

    monkeypatch.setattr(core_train, "loss_computation", recording)
    core_train.train(model, train_dataset, optimizer=optimizer, losses=losses, iters=10, batch_size=2,
                     save_interval=1000, log_iters=1, save_dir=str(tmp_path / "paddleseg"), use_vdl=False)
    assert len(theirs) == 10
    assert ours == pytest.approx(theirs, abs=1e-4)
