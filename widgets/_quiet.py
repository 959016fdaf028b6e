"""Silence TensorFlow's C++ log lines and oneDNN banner; must run before TensorFlow is imported."""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


class _ExpectedRetracing(logging.Filter):
    """Drop TensorFlow's "frequent retracing" warning for the functions traced once per model.

    Every run builds a new model, so Keras's step functions and the health probe are traced again
    on purpose; after a few short runs TensorFlow would blame the learner's code for it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not ("triggered tf.function retracing" in text
                    and ("multi_step_on_iterator" in text or "HealthProbe" in text))


logging.getLogger("tensorflow").addFilter(_ExpectedRetracing())
