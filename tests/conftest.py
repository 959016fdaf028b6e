"""Shared fixtures: small, fast configurations of the public API."""

import pytest

import widgets as w


@pytest.fixture
def tiny() -> w.RunConfig:
    """A 2-layer net on moons that trains in about a second."""
    return w.RunConfig(dataset="moons", depth=2, width=8, epochs=3, batch_size=64)
