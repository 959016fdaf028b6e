"""widgets.seeds: the wording of a verdict from paired per-seed differences."""

import numpy as np
import pandas as pd
import pytest

from widgets.seeds import paired_verdict


def test_every_seed_better_or_worse_gives_the_range():
    assert paired_verdict(pd.Series([0.01, 0.05, 0.02])) == "better in every seed (+0.010 to +0.050)"
    assert paired_verdict([-0.02, -0.09]) == "worse in every seed (-0.020 to -0.090)"


def test_any_disagreement_or_tie_is_inconclusive_and_lists_each_seed():
    assert paired_verdict([0.031, -0.04, -0.004]) == "inconclusive at this budget (per seed +0.031, -0.040, -0.004)"
    assert paired_verdict([0.2, 0.0, 0.3]).startswith("inconclusive")


@pytest.mark.parametrize("bad", [[], [0.1, np.nan], [np.inf]])
def test_no_or_non_finite_differences_are_refused(bad):
    with pytest.raises(ValueError, match="gains"):
        paired_verdict(bad)
