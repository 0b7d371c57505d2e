"""PP-YOLOE_seg-S learns from random init: bench/ppyoloe_seg_learns.py on 2 generated 320 px images, 80 iterations
on CPU; the total loss at least halves and mask AP50 on those images is > 0 (the bench's own exit status)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


def test_loss_halves_and_mask_ap50_positive():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "ppyoloe_seg_learns.py"), "--images", "2",
                           "--size", "320", "--iters", "80"], cwd=REPO, capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "OMP_NUM_THREADS": "2"})
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(result)
    assert proc.returncode == 0, result
    assert result["ratio"] <= 0.5 and result["mask_ap50"] > 0
