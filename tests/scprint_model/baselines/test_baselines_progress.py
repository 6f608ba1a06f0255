"""Progress of the baselines goes to a callback (never a bar): events, counts, logging for True, bad values."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from scprint_model.baselines.genie3 import genie3
from scprint_model.baselines.progress import as_callback


def test_genie3_reports_every_batch_to_the_callback():
    x = np.random.default_rng(0).normal(size=(40, 7))
    x[:, 3] = 2.0  # constant target: not fitted, not counted
    events = []
    scores = genie3(x, n_trees=3, seed=0, n_jobs=1, batch_size=2, progress=lambda e, i: events.append((e, dict(i))))
    assert [e for e, _ in events] == ["genie3"] * 3  # 6 fitted targets in batches of 2
    assert [i["done"] for _, i in events] == [2, 4, 6] and {i["total"] for _, i in events} == {6}
    np.testing.assert_array_equal(scores, genie3(x, n_trees=3, seed=0, n_jobs=1, progress=None))


def test_deepsem_reports_every_epoch():
    pytest.importorskip("torch")
    from scprint_model.baselines.deepsem import deepsem

    events = []
    deepsem(np.random.default_rng(0).normal(size=(20, 4)), n_epochs=3, seed=0, progress=lambda e, i: events.append(i))
    assert [i["done"] for i in events] == [1, 2, 3] and all(i["total"] == 3 for i in events)
    assert all(np.isfinite(i["loss"]) for i in events)


def test_true_logs_and_false_none_report_nothing(caplog):
    assert as_callback(None) is None and as_callback(False) is None
    with caplog.at_level(logging.INFO, logger="scprint_model.baselines.progress"):
        as_callback(True)("genie3", {"done": 1, "total": 2})
    assert "genie3: done=1, total=2" in caplog.text
    with pytest.raises(TypeError, match="progress must be a callable"):
        as_callback("bar")
