"""What a course maintainer relies on: the documented commands, stripped notebooks, the common setup."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    return [b.strip() for b in blocks]


def test_ci_runs_exactly_the_readme_test_command():
    commands = _readme_commands()
    test_command = next(c for c in commands if "pytest" in c)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"`{path.stem}`" in readme, f"{path.name} is missing from the README's chapter table"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_stripped_and_starts_with_the_setup_cell(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    pinned = [c for c in code if "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code if c not in pinned), \
        "strip the outputs (only `# NBVAL_CHECK_OUTPUT` cells keep theirs, for nbval to compare)"
    assert all(c["outputs"] and all(o["output_type"] == "stream" for o in c["outputs"]) for c in pinned), \
        "a pinned cell must store its printed output, or nbval has nothing to compare"
    assert "widgets" not in nb.get("metadata", {}), "strip the widget state from the metadata"
    first_md, first_code = nb["cells"][0], code[0]
    assert first_md["cell_type"] == "markdown" and "What you will be able to do" in "".join(first_md["source"])
    setup = "".join(first_code["source"])
    assert setup.startswith("# Setup (the same in every chapter)\nimport widgets as w"), \
        "widgets must be imported first: it silences TensorFlow's start-up messages"


CHAPTERS = [p for p in NOTEBOOKS if not p.stem.startswith("00_")]


def _heading_ids(nb: dict) -> set[str]:
    """The anchors JupyterLab gives a notebook's markdown headings: the heading's text (markdown code
    marks dropped), spaces turned into hyphens."""
    headings = (line.lstrip("#").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).splitlines() if re.match(r"#{1,6} ", line))
    return {heading.replace("`", "").replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_links_to_other_chapters_reach_a_notebook_and_heading(path):
    nb = json.loads(path.read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for target, anchor in re.findall(r"\]\((\d\d_[a-z_]+\.ipynb)(?:#([^)]*))?\)", text):
        linked = ROOT / "notebooks" / target
        assert linked.exists(), f"link to {target}, which does not exist"
        assert not anchor or anchor in _heading_ids(json.loads(linked.read_text())), \
            f"link to {target}#{anchor}: no heading there has that anchor"


def test_every_chapter_links_the_glossary():
    for path in NOTEBOOKS[1:]:
        intro = "".join(json.loads(path.read_text())["cells"][0]["source"])
        assert "00_start_here.ipynb#9.-Words-used-in-every-chapter" in intro, f"{path.name}: no glossary link"


def _plain_keras_examples(cells: list[dict]) -> list[str]:
    """The code cell that follows each markdown cell saying "In plain Keras", without its comments.

    This is where a chapter shows its technique as the few Keras lines a learner would put in their own
    model; a cell marked NBVAL_SKIP does not count, since then nbval would not prove the lines still run.
    """
    examples = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and "In plain Keras" in "".join(cell["source"]):
            code = next((c for c in cells[i + 1:] if c["cell_type"] == "code"), None)
            source = "".join(code["source"]) if code else ""
            if "NBVAL_SKIP" not in source:
                examples.append(re.sub(r"#.*", "", source))
    return examples


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_shows_its_technique_in_plain_keras(path):
    cells = json.loads(path.read_text())["cells"]
    examples = _plain_keras_examples(cells)
    assert any(re.search(r"\bkeras\.[A-Za-z]", code) for code in examples), (
        f"{path.name}: add a markdown cell containing 'In plain Keras', followed by a code cell that runs the "
        "chapter's technique with keras.* APIs (e.g. keras.layers.Dropout(0.3) in a small model that is fitted)")


def test_shipped_data_has_provenance_and_checksum():
    sums = (ROOT / "datasets" / "SHA256SUMS").read_text().split()
    assert "pima.csv" in sums
    assert "Smith" in (ROOT / "datasets" / "README.md").read_text()


def _pins(python: str) -> dict[str, str]:
    """constraints.txt's pins that apply on Linux x86_64 with this Python version: name -> version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    env = {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": "linux",
           "platform_machine": "x86_64", "platform_system": "Linux", "os_name": "posix",
           "platform_python_implementation": "CPython", "implementation_name": "cpython"}
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            assert spec.operator == "==", line
            name = canonicalize_name(req.name)
            assert name not in pins, f"two pins for {name} on Python {python}"
            pins[name] = spec.version
    return pins


def test_readme_commands_install_the_pinned_stack():
    commands = _readme_commands()
    assert sum("-c constraints.txt" in c for c in commands[:2]) == 2, "both README commands use the lock"
    assert "-c constraints.txt" in (ROOT / "environment.yml").read_text()


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13"])
def test_constraints_pin_every_dependency_within_pyprojects_ranges(python):
    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins(python)
    env = {"python_version": python, "sys_platform": "linux", "platform_machine": "x86_64"}
    extras = project["optional-dependencies"]
    for text in project["dependencies"] + [text for extra in extras.values() for text in extra]:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        if name == canonicalize_name(project["name"]):  # `[dev]` brings in `[hub]`: checked as its own extra
            assert set(req.extras) <= set(extras), f"{text}: no such extra in pyproject.toml"
            continue
        assert name in pins, f"constraints.txt pins no version of {name} for Python {python}"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{name}=={pins[name]} (constraints.txt) is outside pyproject.toml's {req.specifier}"


def test_binder_installs_the_runtime_dependencies_only():
    lines = [line.split("#", 1)[0].strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert "- -e ." in lines and not any("[dev]" in line for line in lines)


def test_ci_installs_chromium_where_the_browser_tests_look_for_it():
    ci = (ROOT / ".ci" / "run").read_text()
    code = "\n".join(line for line in ci.splitlines() if not line.lstrip().startswith("#"))
    assert '[ ! -x "${WORKBOOK_CHROMIUM:-/usr/bin/chromium}" ]' in code and "command -v chromium" not in code
