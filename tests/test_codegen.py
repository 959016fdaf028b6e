import ast
import subprocess
import sys

import pytest

import widgets as w


@pytest.mark.parametrize("cfg", [
    w.RunConfig(dataset="moons", depth=2, epochs=2, dropout=0.2, l2=1e-3, batchnorm=True, max_norm=2.0, clipnorm=1.0),
    w.RunConfig(dataset="digits", depth=2, epochs=2, loss="mean_squared_error", schedule="1cycle"),
    w.RunConfig(dataset="spiral", depth=2, epochs=2, optimizer="sgd", momentum=0.9, nesterov=True,
                schedule="piecewise", train_fraction=0.5),
    w.RunConfig(dataset="pima", depth=2, epochs=2, standardize=False, schedule="plateau", early_stopping_patience=1),
], ids=["moons-regularized", "digits-mse-1cycle", "spiral-nesterov", "pima-raw-plateau"])
def test_generated_script_reproduces_train(cfg):
    code = w.keras_code(cfg)
    assert "widgets" not in code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    run = w.train(cfg, probes=False)
    for key, value in printed.items():
        assert run.final(key) == pytest.approx(value, abs=2e-4), key


def test_keras_code_rejects_non_configs():
    with pytest.raises(TypeError, match="RunConfig"):
        w.keras_code("moons")
