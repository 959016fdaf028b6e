"""`sweep` must give exactly what `train(config, probes=False)` gives, cell by cell, in less time."""

import dataclasses
import math

import pytest

import widgets as w
from widgets.sweep import sweep, sweep_cells


def _same_as_train(row, config) -> w.Run:
    """Train `config` as `train` does, check the row's final numbers against it, and return the run
    (so a test that also looks at the run's model or epochs does not train it a second time)."""
    run = w.train(config, probes=False)
    for column in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert math.isclose(row[column], run.final(column), rel_tol=1e-6, abs_tol=1e-7), (column, config)
    return run


def test_cells_sharing_a_model_match_fresh_train_runs(tiny):
    # dropout (random masks), batch norm (moving statistics) and Adam (moments) all carry state that a
    # reused model must reset; the second cell of each group runs on a model the first one trained
    base = tiny.replace(dropout=0.2, batchnorm=True, optimizer="adam")
    table = sweep(base, initializer=["he_normal", "glorot_uniform"], learning_rate=[0.01, 0.003])
    assert len(table) == 4 and list(table.columns[:2]) == ["initializer", "learning_rate"]
    for _, row in table.iterrows():
        _same_as_train(row, base.replace(initializer=row["initializer"], learning_rate=row["learning_rate"]))


def test_architecture_changes_get_their_own_model(tiny):
    table = sweep(tiny, batchnorm=[False, True], depth=[1, 2])
    assert table[["batchnorm", "depth"]].values.tolist() == [[False, 1], [False, 2], [True, 1], [True, 2]]
    for _, row in table.iterrows():
        _same_as_train(row, tiny.replace(batchnorm=bool(row["batchnorm"]), depth=int(row["depth"])))


def test_early_stopping_and_plateau_cells_match_train(tiny):
    # both watch val_loss during fit, as train() does; early stopping reports the last epoch's numbers
    base = tiny.replace(dataset="pima", epochs=12, learning_rate=0.03)
    patiences, schedules = [0, None], ["constant", "plateau"]
    table = sweep(base, early_stopping_patience=patiences, schedule=schedules)
    cells = [(p, s) for p in patiences for s in schedules]  # the sweep's row order
    for (patience, schedule), (_, row) in zip(cells, table.iterrows()):
        config = base.replace(early_stopping_patience=patience, schedule=schedule)
        assert row["epochs_done"] == _same_as_train(row, config).epochs_done
    assert table["epochs_done"].min() < base.epochs  # patience 0 did stop early


def test_a_diverging_cell_is_flagged_and_stopped_without_spoiling_the_next(tiny):
    base = tiny.replace(dataset="diabetes_progression", optimizer="sgd", epochs=5)
    table = sweep(base, learning_rate=[10.0, 0.01])
    wild, calm = table.iloc[0], table.iloc[1]
    assert wild["diverged"] and wild["epochs_done"] < base.epochs
    assert not calm["diverged"] and calm["epochs_done"] == base.epochs
    assert w.train(base.replace(learning_rate=10.0), probes=False).status == "diverged"
    run = w.train(base.replace(learning_rate=0.01), probes=False)
    assert math.isclose(calm["val_loss"], run.final("val_loss"), rel_tol=1e-6)


def _kernel_sizes(model, data):
    """What the chapters measure on a trained model: its weights and an inference-mode score."""
    x = model.get_layer("hidden_1").kernel.numpy()
    return {"kernel_sum": float(abs(x).sum()),
            "val_output_mean": float(model(data.x_val, training=False).numpy().mean())}


def test_measure_sees_the_model_train_returns(tiny):
    # the second and third cells run on the model the first one trained; early stopping restores weights
    base = tiny.replace(dataset="pima", dropout=0.2, epochs=8, learning_rate=0.03)
    cells = [dict(seed=1), dict(seed=2, early_stopping_patience=0), dict(seed=2)]
    table = sweep_cells(base, cells, measure=_kernel_sizes)
    assert [c for c in table.columns if c in ("seed", "early_stopping_patience")] == ["seed", "early_stopping_patience"]
    for cell, (_, row) in zip(cells, table.iterrows()):
        run = _same_as_train(row, base.replace(**cell))
        expected = _kernel_sizes(run.model, run.dataset)
        for column, value in expected.items():
            assert math.isclose(row[column], value, rel_tol=1e-5), (column, cell)
    assert table["epochs_done"].iloc[1] < base.epochs  # patience 0 did stop early


def test_sweep_cells_shares_models_between_listed_cells(tiny, monkeypatch):
    from widgets import sweep as sweep_module
    built = []
    real = sweep_module.build_for_training
    monkeypatch.setattr(sweep_module, "build_for_training", lambda c, d: built.append(c) or real(c, d))
    cells = [dict(initializer="he_normal", learning_rate=0.01, seed=1), dict(initializer="glorot_uniform", seed=2),
             dict(batchnorm=True, seed=1), dict(learning_rate=0.1, seed=3)]
    table = sweep_cells(tiny, cells)
    assert len(built) == 2 and len(table) == 4
    assert table["seed"].tolist() == [1, 2, 1, 3] and table["batchnorm"].isna().tolist() == [True, True, False, True]


def test_reuse_trains_more_seeds_on_a_runs_model_and_gives_it_back(tiny, monkeypatch):
    # dropout (seed state) and early stopping (restored weights, stop flag) are what a lender must get back
    from widgets import sweep as sweep_module
    run = w.train(tiny.replace(dataset="pima", dropout=0.2, early_stopping_patience=0, epochs=8,
                               learning_rate=0.03), probes=False)
    state = [v.numpy().copy() for v in [*run.model.variables, *run.model.optimizer.variables]]
    stopped = run.model.stop_training
    built = []
    real = sweep_module.build_for_training
    monkeypatch.setattr(sweep_module, "build_for_training", lambda c, d: built.append(c) or real(c, d))
    table = sweep(run.config, seed=[1, 2], measure=_kernel_sizes, reuse=run)
    assert built == []  # both seeds trained on the run's compiled model
    for _, row in table.iterrows():
        again = _same_as_train(row, run.config.replace(seed=int(row["seed"])))
        assert math.isclose(row["kernel_sum"], _kernel_sizes(again.model, again.dataset)["kernel_sum"], rel_tol=1e-5)
    after = [v.numpy() for v in [*run.model.variables, *run.model.optimizer.variables]]
    assert all((a == b).all() for a, b in zip(state, after)) and run.model.stop_training == stopped
    sweep(run.config, depth=[1], reuse=run)  # another structure: a model of its own, the run's untouched
    assert len(built) == 1
    with pytest.raises(ValueError, match="reuse="):
        sweep(tiny, seed=[1], reuse=w.Run(config=tiny, dataset=run.dataset))
    with pytest.raises(ValueError, match="another dataset"):
        sweep(run.config, dataset=w.load_dataset("moons"), seed=[1], reuse=run)


def test_bad_requests_name_the_problem(tiny):
    with pytest.raises(ValueError, match="learning_rat"):
        sweep(tiny, learning_rat=[0.1])
    with pytest.raises(ValueError, match="at least one value"):
        sweep(tiny, learning_rate=[])
    with pytest.raises(ValueError, match="at least one RunConfig field"):
        sweep(tiny)
    with pytest.raises(ValueError, match="RunConfig.initializer"):
        sweep(tiny, initializer=["he_normal", "nonsense"])
    with pytest.raises(TypeError, match="RunConfig"):
        sweep({"dataset": "moons"}, depth=[1])
    with pytest.raises(ValueError, match="at least one cell"):
        sweep_cells(tiny, [])
    with pytest.raises(ValueError, match="RunConfig.depth"):
        sweep_cells(tiny, [dict(depth=1), dict(depth=-1)])


def _with_huge_validation_input(data: w.Dataset) -> w.Dataset:
    """The same data with one validation input near float32's limit: the validation loss overflows
    to infinity while training, on the untouched training rows, goes on as usual."""
    x_val = data.x_val.copy()
    x_val[0, :] = 3e38
    return dataclasses.replace(data, x_val=x_val)


DIVERGENCE_CASES = {
    # the loss grows 100-fold over the untrained model's, but stays finite for a while
    "loss grows 100-fold": (w.RunConfig(dataset="diabetes_progression", optimizer="adam", learning_rate=1.0,
                                        depth=3, epochs=8), None),
    # only the validation loss shows it
    "validation loss infinite": (w.RunConfig(dataset="diabetes_progression", depth=2, width=8, epochs=3,
                                             batch_size=64),
                                 _with_huge_validation_input(w.load_dataset("diabetes_progression"))),
    "calm": (w.RunConfig(dataset="diabetes_progression", optimizer="sgd", learning_rate=0.01, depth=2,
                         width=8, epochs=3, batch_size=64), None),
}


@pytest.mark.parametrize("case", list(DIVERGENCE_CASES))
def test_sweep_calls_a_cell_diverged_exactly_when_train_calls_the_run_diverged(case):
    config, data = DIVERGENCE_CASES[case]
    run = w.train(config, data, probes=False)
    row = sweep(config, data, seed=[config.seed]).iloc[0]
    assert bool(row["diverged"]) == (run.status == "diverged"), (run.message, row.to_dict())
    assert row["epochs_done"] == run.epochs_done, (run.message, row.to_dict())
    if case != "calm":
        assert run.status == "diverged", run.summary()
    if case == "loss grows 100-fold":
        assert "the loss grew from" in run.message
    if case == "validation loss infinite":
        assert "the validation loss became" in run.message and math.isfinite(row["loss"])


def test_sweep_uses_trains_divergence_rule():
    """One rule: train's recorder is the guard sweep attaches, plus the bookkeeping of a Run."""
    from widgets import sweep as sweep_module, training
    assert issubclass(training._RunRecorder, training.DivergenceGuard)
    assert sweep_module.DivergenceGuard is training.DivergenceGuard
    assert not hasattr(sweep_module, "_DivergenceStop")
