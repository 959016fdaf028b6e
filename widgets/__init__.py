"""The workbook's shared library: one pipeline from a `RunConfig` to live figures.

config -> data -> model -> training (+ probes) -> Run -> plots; `TrainingLab` wires controls to the
config and runs to the figures.  Import it as `import widgets as w`.
"""

from . import _quiet  # noqa: F401  (sets TensorFlow's log level before anything imports it)
from .config import ConfigError, RunConfig
from .data import Dataset, DatasetIntegrityError, dataset_table, load_dataset
from .model import build_model, build_optimizer
from .training import Run, train
from . import plots
from .codegen import keras_code
from .codeview import CodeView
from .lab import TrainingLab


def progress():
    """Per chapter, the exercises this learner has solved (kept in the Jupyter data directory)."""
    from .exercises.progress import progress as table
    return table()


__all__ = ["ConfigError", "RunConfig", "Dataset", "DatasetIntegrityError", "dataset_table",
           "load_dataset", "build_model", "build_optimizer", "train", "Run", "plots",
           "keras_code", "CodeView", "TrainingLab", "progress"]
