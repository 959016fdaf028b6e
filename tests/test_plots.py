import numpy as np
import pytest

import widgets as w
from widgets import plots


@pytest.fixture(scope="module")
def run():
    return w.train(w.RunConfig(depth=3, epochs=2, width=8))


def _labelled(fig):
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    return fig


def test_every_figure_is_titled_and_labelled(run):
    for fig in (plots.curves_figure(run), plots.gradient_histogram_figure(run), plots.gradient_norm_figure(run),
                plots.layer_profile_figure({"a": run}), plots.activation_figure(run),
                plots.decision_boundary_figure(run), plots.compare_figure({"a": run})):
        _labelled(fig)
        assert len(fig.data) > 0


def test_curves_hold_every_epoch_and_pinned_runs_fade(run):
    fig = plots.curves_figure(run, pinned=[run])
    live = [t for t in fig.data if not t.name.startswith("pinned")]
    pinned = [t for t in fig.data if t.name.startswith("pinned")]
    assert len(live) == 4 and len(pinned) == 4
    assert list(live[0].x) == [0, 1, 2] and all(t.opacity < 1 for t in pinned)
    assert live[0].y[0] == run.initial["loss"]


def test_histogram_has_a_line_per_layer_summing_to_100_percent(run):
    fig = plots.gradient_histogram_figure(run)
    assert [t.name for t in fig.data] == ["hidden 1", "hidden 2", "hidden 3", "output"]
    for trace in fig.data:
        assert sum(trace.y) == pytest.approx(100, abs=0.01) or sum(trace.y) < 100


def test_non_finite_values_become_gaps():
    run = w.train(w.RunConfig(learning_rate=1e4, epochs=3, depth=2), probes=True)
    assert run.status == "diverged"
    for fig in (plots.curves_figure(run), plots.gradient_norm_figure(run)):
        for trace in fig.data:
            assert all(v is None or np.isfinite(v) for v in trace.y)
    assert plots.finite([1.0, float("nan"), float("inf"), None]) == [1.0, None, None, None]


def test_decision_boundary_refuses_other_datasets():
    run = w.train(w.RunConfig(dataset="pima", depth=1, epochs=1), probes=False)
    with pytest.raises(ValueError, match="2-D binary"):
        plots.decision_boundary_figure(run)
