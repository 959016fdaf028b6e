"""The doctor benchmark: its labelled cases, its scoring, and the committed results chapter 12 shows.

A fixed subset of the held-out cases is trained here (a few seconds each): diagnose must name the
problem each was made to have, stay silent on the healthy one, and find what the committed results
file says it found (the file is what `benchmarks/doctor.py --write` produced with the current rules).
"""

from __future__ import annotations

import pytest

import widgets as w
from widgets import diagnose_rules as rules, doctor_cases, doctor_score
from widgets.diagnose import PROBLEMS, diagnose

SUBSET = ("diabetes regression, 2 ReLU, Adam", "iris, Nadam at 0.5", "pima, Adam at 1e-6", "pima raw, sigmoid")


def test_cases_cover_every_problem_many_ways_and_split_in_halves():
    cases = doctor_cases.cases()
    assert len(cases) >= 40 and len({c.name for c in cases}) == len(cases)
    for problem in PROBLEMS:
        made = [c for c in cases if c.problem == problem]
        assert len(made) >= 4, problem
        assert len({c.config.dataset for c in made}) >= 3, problem  # different data, not one set re-seeded
        assert {c.half for c in made} == {doctor_cases.CALIBRATION, doctor_cases.HELD_OUT}, problem
    healthy = [c for c in cases if c.problem is None]
    assert len(healthy) >= 10
    tasks = {w.load_dataset(c.config.dataset).task for c in cases}
    assert tasks == {"binary", "multiclass", "regression"}
    assert len({c.config.optimizer for c in cases}) >= 4
    assert {c.config.batchnorm for c in cases} == {True, False} and any(c.config.dropout for c in cases)
    assert min(c.config.depth for c in cases) <= 2 and max(c.config.depth for c in cases) >= 12
    for half in (doctor_cases.CALIBRATION, doctor_cases.HELD_OUT):
        made = doctor_cases.cases(half)
        assert sum(c.problem is None for c in made) >= 6, half
        assert all(sum(c.problem == p for c in made) >= 3 for p in PROBLEMS), half
    with pytest.raises(ValueError, match="half must be"):
        doctor_cases.cases("test")


def test_no_held_out_case_is_a_run_the_tests_or_chapter_12_assert_on():
    from widgets import diagnose as dg
    from widgets.exercises import ch12
    shown = [config for config, _ in dg.EXAMPLES.values()] + [ch12.broken(name) for name in ch12.CHALLENGES]
    shown = {c.replace(seed=0) for c in shown}
    assert not [c.name for c in doctor_cases.cases(doctor_cases.HELD_OUT) if c.config.replace(seed=0) in shown]


@pytest.mark.parametrize("name", SUBSET)
def test_diagnose_names_the_labelled_problem_and_matches_the_committed_results(name):
    case = doctor_cases.case(name)
    assert case.half == doctor_cases.HELD_OUT
    found = diagnose(w.train(case.config)).problems
    assert found == ([] if case.problem is None else [case.problem]), (name, found)
    stored = {r["name"]: r["found"] for r in doctor_score.load_results()["held_out"]}
    assert stored[name] == found, "widgets/doctor_results.json is stale: run benchmarks/doctor.py --write"


def test_results_file_scores_every_held_out_case():
    results = doctor_score.load_results()
    assert [r["name"] for r in results["held_out"]] == [c.name for c in doctor_cases.cases(doctor_cases.HELD_OUT)]
    assert set(results["prescriptions"]) == set(PROBLEMS)
    for problem, trial in results["prescriptions"].items():
        tried = [t for t in trial["trials"] if t["found"][:1] == [problem]]  # the others are no trial of the fix
        assert trial["cured"] == sum(doctor_score.cured(problem, t["broken"], t["fixed"], t["fixed_found"],
                                                        t["chance"]) for t in tried)
        assert trial["improved"] == sum(doctor_score.improved(t["broken"], t["fixed"], t["chance"]) for t in tried)
        assert trial["cured"] <= trial["improved"] <= trial["seeds"] == len(trial["trials"])


def test_each_fix_is_tried_on_a_held_out_case_of_its_problem():
    results = doctor_score.load_results()["prescriptions"]
    for problem in PROBLEMS:
        case = doctor_cases.prescription_case(problem)
        assert case.problem == problem and case.half == doctor_cases.HELD_OUT
        assert results[problem]["case"] == case.name, "widgets/doctor_results.json is stale"
    with pytest.raises(ValueError, match="no held-out case"):
        doctor_cases.prescription_case("sadness")


def test_a_prescription_case_must_be_a_held_out_case_of_its_problem(monkeypatch):
    calibration_run = next(c.name for c in doctor_cases.cases(doctor_cases.CALIBRATION) if c.problem == "dead units")
    monkeypatch.setitem(doctor_cases.PRESCRIPTION_CASES, "dead units", calibration_run)
    with pytest.raises(ValueError, match=r"PRESCRIPTION_CASES\['dead units'\] = .* is not a held-out case of that "
                                         r"problem; those are: .*circles, Adam at 0.3"):
        doctor_cases.prescription_case("dead units")


def test_scoring_counts_every_finding_once_per_run():
    labelled = [(None, []), (None, ["overfitting"]), ("overfitting", ["overfitting"]),
                ("dead units", ["dead units", "overfitting"]), ("dead units", [])]
    table, rates, false_alarms = doctor_score.score(labelled)
    assert false_alarms == 1
    assert table.loc["healthy", doctor_score.NOTHING] == 1 and table.loc["dead units", "overfitting"] == 1
    assert rates.loc["overfitting", "precision"] == pytest.approx(1 / 3)
    assert rates.loc["overfitting", "recall"] == 1.0
    assert rates.loc["dead units", "recall"] == 0.5 and rates.loc["dead units", "precision"] == 1.0
    with pytest.raises(ValueError, match="unknown label"):
        doctor_score.confusion([("sadness", [])])


def test_a_cure_needs_the_finding_gone_and_a_real_drop_in_loss():
    chance = 0.7  # 5 % of it: 0.035
    assert doctor_score.cured("dead units", 0.5, 0.4, [], chance)
    assert not doctor_score.cured("dead units", 0.5, 0.48, [], chance)  # noise-sized
    assert not doctor_score.cured("dead units", 0.5, 0.3, ["dead units"], chance)  # still has it
    assert not doctor_score.cured("dead units", 0.5, None, [], chance)  # the fix diverged
    assert doctor_score.cured("divergence", None, 0.6, [], chance)
    assert not doctor_score.cured("divergence", None, 0.75, [], chance)  # no better than ignoring the inputs
    assert not doctor_score.cured("exploding gradients", None, 0.8, [], chance)


def test_an_improvement_is_any_drop_in_validation_loss():
    chance = 0.7
    assert doctor_score.improved(0.5, 0.48, chance)  # noise-sized still counts here, unlike `cured`
    assert not doctor_score.improved(0.5, 0.5, chance) and not doctor_score.improved(0.5, None, chance)
    assert doctor_score.improved(None, 0.6, chance)  # from a diverged run: below ignoring the inputs
    assert not doctor_score.improved(None, 0.75, chance)


def _stored_calibration() -> list[dict]:
    """The calibration half's stored records (a failure naming the command that stores them)."""
    results = doctor_score.load_results()
    if "calibration" not in results:
        pytest.fail(f"{doctor_score.RESULTS_PATH} holds no calibration numbers: run "
                    "`python benchmarks/doctor.py --part calibration --write`")
    return results["calibration"]


def _calibration_values(key: str, made: object, activations: tuple[str, ...] = ()) -> list[float]:
    """One stored measurement of the calibration runs made to have `made` (None: healthy), optionally
    only those with one of `activations`; the runs where it does not apply (None) are left out."""
    stored = _stored_calibration()
    cases = {c.name: c for c in doctor_cases.cases(doctor_cases.CALIBRATION)}
    return [r["measurements"][key] for r in stored if r["problem"] == made and r["measurements"][key] is not None
            and (not activations or cases[r["name"]].config.activation in activations)]


def test_stored_calibration_numbers_are_those_of_the_current_calibration_half():
    stored = _stored_calibration()
    assert [r["name"] for r in stored] == [c.name for c in doctor_cases.cases(doctor_cases.CALIBRATION)]
    assert all(r["found"] == ([] if r["problem"] is None else [r["problem"]]) for r in stored), \
        [(r["name"], r["found"]) for r in stored if r["found"] != ([] if r["problem"] is None else [r["problem"]])]


@pytest.mark.parametrize("key, problem, threshold, activations", [
    ("rel_grad_init", "exploding gradients", rules.EXPLODING_REL_GRAD, ()),
    ("saturated_worst_layer", "saturated units", rules.SATURATED_FRACTION, rules.BOUNDED_ACTIVATIONS),
    ("dead_worst_layer", "dead units", rules.DEAD_FRACTION, rules.DYING_ACTIVATIONS),
    ("val_gap", "overfitting", rules.OVERFIT_GAP, ()),
    ("loss_vs_chance", "underfitting", rules.UNDERFIT_LOSS, ()),
])
def test_each_threshold_sits_between_the_healthy_and_broken_calibration_runs(key, problem, threshold, activations):
    """The docstrings of diagnose_rules quote the calibration half's ranges and place each threshold
    between them: the stored numbers of that half must bear it out."""
    healthy, broken = _calibration_values(key, None, activations), _calibration_values(key, problem)
    assert healthy and broken, (key, problem)
    assert max(healthy) < threshold < min(broken), (key, max(healthy), threshold, min(broken))


def test_the_slow_and_vanishing_thresholds_sit_below_the_healthy_calibration_runs():
    assert min(_calibration_values("fastest_update", None)) > rules.TOO_LOW_UPDATE
    assert max(_calibration_values("fastest_update", "learning rate too low")) < rules.TOO_LOW_UPDATE
    assert min(_calibration_values("depth_ratio_final", None)) > rules.VANISHING_DEPTH_RATIO
    assert min(_calibration_values("rel_grad_init", None)) > rules.VANISHING_REL_GRAD
    vanishing = [r["measurements"] for r in _stored_calibration() if r["problem"] == "vanishing gradients"]
    assert all((1 if m["depth_ratio_final"] is None else m["depth_ratio_final"]) < rules.VANISHING_DEPTH_RATIO
               or m["rel_grad_init"] < rules.VANISHING_REL_GRAD for m in vanishing)
