"""A learner's session with a TrainingLab in the browser: change a control, Train, watch, Pin, Stop.

`check_lab_session` runs it on a lab already on the page: the scratch lab's test
(test_lab_in_browser.py) and chapter 01's first lab, right after the chapter's Run All
(test_notebooks_in_browser.py), so that chapter is not executed again for it.  Screenshots before,
during and after training go to tests/browser/artifacts/; with WORKBOOK_UPDATE_DOCS_SCREENSHOT=1
a small copy of chapter 01's "during" one becomes docs/lab.png.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from labdriver import LAB_STATUS, README_SCREENSHOT, README_SCREENSHOT_MAX_BYTES, layout_problems

CHAPTER_01 = "01_vanishing_exploding_gradients.ipynb"
README_SOURCE = CHAPTER_01
RUN_TIMEOUT = 600_000  # ms for one training run under load
EPOCH_STATUS = re.compile(r"^Epoch (\d+) of (\d+)")
END_STATUS = re.compile(r"^(Finished|Stopped|Diverged|Early-stopped) after (\d+) of (\d+) epochs")

# The lab's learning-curves figure (found by its title) and its legend, in page JavaScript.
FIND_CURVES = """const title = (p) => { const t = p.layout && p.layout.title;
                                  return t ? (typeof t === 'string' ? t : t.text || '') : ''; };
  const findCurves = (lab) => [...lab.querySelectorAll('.js-plotly-plot')].find((p) => /curves/i.test(title(p)));"""
CURVES = f"""(lab) => {{
  {FIND_CURVES}
  const curves = findCurves(lab);
  return curves && {{ title: title(curves),
                      legend: [...curves.querySelectorAll('.legend .legendtext')].map((e) => e.textContent) }};
}}"""
# Records, every 40 ms and whenever something changed: the status line, how many points the first
# trace of the learning curves shows (plotly's path.point marks), its data length and last epoch.
# Every text the status line takes is also kept in window.__labStatuses (by a MutationObserver), so
# a status that lasts less than a polling interval on a busy page is not missed.
START_SAMPLER = f"""([lab, statusSelector]) => {{
  {FIND_CURVES}
  const status = lab.querySelector(statusSelector);
  const read = () => {{
    const curves = findCurves(lab);
    const trace = curves && curves.querySelector('.scatterlayer .trace');
    const first = curves && curves.data && curves.data[0];
    return {{ status: status.innerText.trim(),
              points: trace ? trace.querySelectorAll('path.point').length : 0,
              dataPoints: first ? first.x.length : 0,
              lastEpoch: first && first.x.length ? first.x[first.x.length - 1] : null }};
  }};
  const samples = [];
  const tick = () => {{
    const now = read(), last = samples[samples.length - 1];
    if (!last || ['status', 'points', 'dataPoints'].some((k) => last[k] !== now[k])) samples.push(now);
  }};
  clearInterval(window.__labSampler);
  if (window.__labStatusObserver) window.__labStatusObserver.disconnect();
  window.__labSamples = samples;
  window.__labStatuses = [];
  window.__labStatusObserver = new MutationObserver(() => window.__labStatuses.push(status.textContent.trim()));
  window.__labStatusObserver.observe(status, {{ childList: true, subtree: true, characterData: true }});
  window.__labSampler = setInterval(tick, 40);
  tick();
}}"""
# Clicks Stop the moment the status line shows a finished epoch and Stop is enabled: a learner
# pressing it on sight, at the page's own pace, however busy the page is (a polling test could see
# the page only after it had drawn the whole run).
STOP_AFTER_FIRST_EPOCH = """([lab, statusSelector]) => {
  const status = lab.querySelector(statusSelector);
  const stop = [...lab.querySelectorAll('button.jupyter-button')].find((b) => b.textContent.trim() === 'Stop');
  const observer = new MutationObserver(() => {
    if (/^Epoch [1-9]\\d* of \\d+:/.test(status.textContent.trim()) && !stop.disabled) {
      observer.disconnect();
      stop.click();
    }
  });
  observer.observe(lab, { subtree: true, childList: true, characterData: true, attributes: true,
                          attributeFilter: ['disabled'] });
}"""
# True once the status line has said a third of the epochs are done (or that the run ended) and the
# curves show at least two points: the "during" moment.  Read over every sample, as a slow page may
# draw the points only after the status line has moved on.
A_THIRD_DONE = """() => window.__labSamples.some((s) => {
                          const m = /^Epoch (\\d+) of (\\d+)/.exec(s.status);
                          return s.points >= 2 && ((m && 3 * m[1] >= m[2]) || /^Finished/.test(s.status)); })"""


def _wait_for_status(lab, pattern: str, timeout: float = RUN_TIMEOUT) -> str:
    """Wait until the lab's status line has matched the JS regex `pattern` since the sampler was
    (re)started; returns the first matching text."""
    handle = lab.page.wait_for_function(
        "(pattern) => window.__labStatuses.find((s) => new RegExp(pattern).test(s))", arg=pattern,
        timeout=timeout)
    return handle.json_value()


def _click(lab, button: str) -> None:
    lab.locator(f"button.jupyter-button:text-is('{button}')").click()


def _change_a_control(lab) -> tuple[str, str]:
    """Pick another value in the activation menu (else the first menu), as a learner would."""
    menus = lab.locator(".widget-gridbox > .widget-dropdown")
    activation = menus.filter(has=lab.page.locator("label", has_text=re.compile(r"^\s*activation\s*$")))
    menu = activation if activation.count() else menus.first
    assert menu.count(), "the lab has no drop-down control to change"
    label = menu.locator("label").inner_text().strip()
    select = menu.locator("select")
    options = select.evaluate("s => [...s.options].map((o) => o.textContent)")
    current = select.evaluate("s => s.options[s.selectedIndex].textContent")
    choice = "tanh" if "tanh" in options and current != "tanh" else next(o for o in options if o != current)
    select.select_option(label=choice)
    return label, choice


def _epochs_to_maximum(lab) -> int:
    """Move the lab's epochs slider to its maximum with the End key; returns the new epoch count."""
    slider = lab.locator(".widget-gridbox > .widget-slider").filter(
        has=lab.page.locator("label", has_text=re.compile(r"^\s*epochs\s*$")))
    assert slider.count() == 1, "the lab has no epochs slider"
    readout = slider.locator(".widget-readout")
    before = readout.inner_text().strip()
    slider.locator('[role="slider"]').first.focus()
    lab.page.keyboard.press("End")
    lab.page.wait_for_function("([r, before]) => r.textContent.trim() !== before",
                               arg=[readout.element_handle(), before], timeout=10_000)
    return int(readout.inner_text().strip())


def _save_readme_screenshot(notebook, png: bytes) -> None:
    """docs/lab.png: `png` scaled down until it is under the size limit."""
    width = 900
    small = notebook.downscaled_png(png, width)
    while len(small) >= README_SCREENSHOT_MAX_BYTES and width > 400:
        width = int(width * 0.85)
        small = notebook.downscaled_png(png, width)
    assert len(small) < README_SCREENSHOT_MAX_BYTES, f"docs screenshot is {len(small)} bytes at {width} px"
    README_SCREENSHOT.parent.mkdir(exist_ok=True)
    README_SCREENSHOT.write_bytes(small)


def check_lab_session(notebook, name: str, lab) -> None:
    """On `lab` (a locator of a lab on the page), as a learner: check its look, change a control,
    Train and watch the curves grow, Pin, Train again and Stop."""
    page, stem = notebook.page, name.removesuffix(".ipynb")
    lab.wait_for(state="attached")
    notebook.scroll_to(lab)
    snap = notebook.settled_snapshot()
    assert not notebook.error_outputs(), notebook.error_report()
    problems = layout_problems(snap)
    assert not problems, f"{name} at 1280x720, before training:\n" + "\n".join(problems)
    assert page.evaluate(CURVES, lab.element_handle()), f"{name}: the lab has no learning-curves figure"
    notebook.screenshot(lab, f"{stem}-lab-before.png")

    # A learner changes a setting, presses Train and watches the curves grow.
    field, choice = _change_a_control(lab)
    page.evaluate(START_SAMPLER, [lab.element_handle(), LAB_STATUS])
    _click(lab, "Train")
    page.wait_for_function(A_THIRD_DONE, timeout=RUN_TIMEOUT)
    during = notebook.screenshot(lab, f"{stem}-lab-during.png")
    final = _wait_for_status(lab, END_STATUS.pattern)
    ended = END_STATUS.match(final)
    try:  # a slow page draws the last epochs a little after the status line says the run ended
        page.wait_for_function("(n) => { const s = window.__labSamples.at(-1);"
                               " return s.lastEpoch === n && s.points === s.dataPoints; }",
                               arg=int(ended.group(2)), timeout=120_000)
    except Exception:
        pass  # the assertions below say what was drawn
    samples = page.evaluate("() => window.__labSamples")

    # A lab trained before (a chapter's `lab.run()` cells) shows its last run until this one's first
    # redraw: watch from the first sample with fewer points than that.
    shown_before = samples[0]["dataPoints"]
    first = next((i for i, s in enumerate(samples) if s["dataPoints"] < shown_before), 0)
    samples = samples[first:]

    assert ended.group(1) == "Finished", f"{name}: the run did not finish: {final!r}"
    epochs = int(ended.group(3))
    running = [s for s in samples if EPOCH_STATUS.match(s["status"])]
    assert {int(EPOCH_STATUS.match(s["status"]).group(2)) for s in running} == {epochs}, (
        f"{name}: the status line should count 'Epoch k of {epochs}': {[s['status'] for s in running][:5]}")
    live_counts = sorted({s["points"] for s in running if s["points"] > 0})
    assert len(live_counts) >= 2, (
        f"{name}: the loss curve should gain points while training; point counts seen before "
        f"'Finished': {live_counts} (samples: {samples[:20]})")
    points = [s["points"] for s in samples]
    assert points == sorted(points), f"{name}: the loss curve lost points during one run: {points}"
    last = samples[-1]
    assert last["lastEpoch"] == epochs and last["points"] == last["dataPoints"], (
        f"{name}: after {epochs} epochs the loss curve should end at epoch {epochs} with every point drawn: {last}")
    if field == "activation":
        title = page.evaluate(CURVES, lab.element_handle())["title"]
        assert choice in title, f"{name}: {field}={choice} did not reach the run: {title!r}"
    problems = layout_problems(notebook.snapshot())
    assert not problems, f"{name} at 1280x720, after training:\n" + "\n".join(problems)

    # Pin keeps the run as a faded reference trace.
    _click(lab, "Pin run")
    page.wait_for_function(f"(lab) => ({CURVES})(lab).legend.some((t) => t.startsWith('pinned:'))",
                           arg=lab.element_handle(), timeout=60_000)

    # Train a long run (epochs at the slider's maximum, set from the keyboard) and press Stop as soon
    # as the page shows the first epoch: the run ends early, the pinned trace stays.
    epochs = _epochs_to_maximum(lab)
    page.evaluate(START_SAMPLER, [lab.element_handle(), LAB_STATUS])
    page.evaluate(STOP_AFTER_FIRST_EPOCH, [lab.element_handle(), LAB_STATUS])
    _click(lab, "Train")
    final = _wait_for_status(lab, END_STATUS.pattern)
    ended = END_STATUS.match(final)
    assert ended.group(1) == "Stopped" and int(ended.group(2)) < int(ended.group(3)) == epochs, (
        f"{name}: Stop should end the {epochs}-epoch run early: {final!r}")
    legend = page.evaluate(CURVES, lab.element_handle())["legend"]
    assert any(t.startswith("pinned:") for t in legend), f"{name}: the pinned trace is gone after Stop: {legend}"
    notebook.screenshot(lab, f"{stem}-lab-after-stop.png")

    assert not notebook.console.errors, f"{name}: browser console errors:\n" + "\n".join(notebook.console.errors)
    if name == README_SOURCE and os.environ.get("WORKBOOK_UPDATE_DOCS_SCREENSHOT") == "1":
        _save_readme_screenshot(notebook, during)


# -- keyboard and accessibility ---------------------------------------------------------------------

FOCUSED = """() => { const e = document.activeElement;
  return e ? { tag: e.tagName, role: e.getAttribute('role'), text: (e.textContent || '').trim().slice(0, 40),
               slider: !!e.closest('.widget-slider'), train: e.matches('button') && e.textContent.trim() === 'Train' }
           : null; }"""
SERIOUS = ("serious", "critical")


def tab_until(page, predicate, limit: int = 40) -> dict:
    """Press Tab until the focused element satisfies `predicate` (a function of FOCUSED's reading)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and predicate(focused):
            return focused
    raise AssertionError(f"{limit} presses of Tab never reached the element; last focus: {page.evaluate(FOCUSED)}")


def check_keyboard(notebook, name: str, lab) -> None:
    """Tab reaches a slider, the arrow keys move it, and Enter on the focused Train button trains."""
    page = notebook.page
    lab.locator(".widget-gridbox select").first.focus()  # start inside the lab's controls
    tab_until(page, lambda f: f["slider"])
    slider = page.evaluate_handle("() => document.activeElement.closest('.widget-slider')")
    readout = lambda: slider.evaluate("s => s.querySelector('.widget-readout').textContent.trim()")
    before = readout()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([s, before]) => s.querySelector('.widget-readout').textContent.trim() !== before",
                           arg=[slider, before], timeout=10_000)
    page.keyboard.press("ArrowLeft")
    tab_until(page, lambda f: f["train"])
    page.evaluate(START_SAMPLER, [lab.element_handle(), LAB_STATUS])
    page.keyboard.press("Enter")
    started = _wait_for_status(lab, r"^(Starting|Epoch \d+ of)")
    final = _wait_for_status(lab, END_STATUS.pattern)
    assert END_STATUS.match(final), f"{name}: Enter on Train did not run: {started!r} -> {final!r}"


def axe_audit(page, context: Optional[str] = None, file_page: bool = False) -> tuple[dict[str, int], list[str]]:
    """axe-core's audit of the page (or of the elements `context` selects), with the axe-core copy
    that axe-playwright-python bundles (nothing is fetched): violations per impact, and each
    serious or critical one described.

    file_page: the page was opened from file://, where axe's preload (re-reading every stylesheet
    with XMLHttpRequest, for its one screen-orientation rule) is refused by the browser; it is skipped.
    """
    from axe_playwright_python.sync_playwright import Axe
    options = {"resultTypes": ["violations"], **({"preload": False} if file_page else {})}
    results = Axe().run(page, context=context, options=options)
    counts: dict[str, int] = {}
    bad = []
    for violation in results.response["violations"]:
        impact = violation.get("impact") or "unknown"
        counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
        if impact in SERIOUS:
            bad.append(f"{impact}: {violation['id']} ({violation['help']}) on "
                       + "; ".join(n["html"][:120] for n in violation["nodes"][:3]))
    return counts, bad


def check_axe(notebook, name: str, lab) -> dict[str, int]:
    """axe-core's audit of the lab's own DOM: violations per impact; fails on serious or critical ones."""
    marker = "data-axe-target"
    lab.evaluate(f"(el) => el.setAttribute('{marker}', '1')")
    counts, bad = axe_audit(notebook.page, f"[{marker}]")
    print(f"{name}: axe-core violations in the lab by impact: {counts or 'none'}")
    assert not bad, f"{name}: axe-core finds serious or critical problems in the lab:\n" + "\n".join(bad)
    return counts
