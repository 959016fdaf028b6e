"""How fast a lab answers in the real front end: JupyterLab in Chromium, timed on the page from the
Train button's click to (1) the first change in any of the lab's plotly traces and (2) the first
frame whose learning curves show the new run's epoch 1, then (3) the click to the end of the run.

    .venv/bin/python benchmarks/browser_latency.py [--repeats 5] [--throttle 1]

`lab_latency.py` times the same thing inside the kernel (when Python has sent the update); this adds
the websocket, the widget manager and plotly's drawing.  It opens the browser tests' one-lab
notebook (30 epochs, 1,000 rows), trains once to warm TensorFlow and the page, then clicks Train
`--repeats` times, each a new model, waiting for each run to end.  `--throttle 4` runs the page on a
CPU four times slower (Chromium's CPU throttling; the kernel is not slowed).
Needs what the browser tests need (Chromium, Playwright: `pip install -e .[dev]`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "browser"), str(ROOT / "tests" / "support")]

from _common import machine  # noqa: E402
from labdriver import (CHROMIUM, CHROMIUM_ARGS, SCRATCH_LAB, VIEWPORT, ConsoleLog, JupyterServer,  # noqa: E402
                       NotebookPage, missing_requirements)

# On the page: click Train, then watch every animation frame.  Times are ms from the click.
CLICK_AND_WATCH = """async (lab) => {
  const plots = [...lab.querySelectorAll('.js-plotly-plot')];
  const lengths = (p) => (p.data || []).map((t) => (t.x ? t.x.length : 0));
  const signature = () => plots.map((p) => (p.data || []).map((t) =>
      `${t.x ? t.x.length : 0}:${t.y && t.y.length ? t.y[t.y.length - 1] : ''}`).join(',')).join('|');
  const train = [...lab.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Train');
  const before = signature(), longest = Math.max(...lengths(plots[0]));
  const marks = { changed: null, epoch1: null, done: null };
  const start = performance.now();
  train.click();
  await new Promise((resolve) => {
    const frame = () => {
      const now = performance.now() - start;
      if (marks.changed === null && signature() !== before) marks.changed = now;
      // The curves figure (the lab's first) restarts at epoch 0: epoch 1 is drawn once a curve
      // holds 2 or more points but fewer than the finished warm-up run's.
      if (marks.epoch1 === null && lengths(plots[0]).some((n) => n >= 2 && n < longest)) marks.epoch1 = now;
      if (marks.changed !== null && !train.disabled && now > 500) {
        marks.done = now;
        marks.status = (lab.querySelector('[role="status"]') || {}).textContent || '';
        resolve();
        return;
      }
      if (now > 120000) { resolve(); return; }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  return marks;
}"""


def measure(repeats: int, throttle: float) -> list[dict]:
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="browser-latency-") as folder, sync_playwright() as playwright:
        server = JupyterServer(Path(folder))
        server.start()
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            if throttle > 1:
                page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            console = ConsoleLog()
            console.attach(page)
            notebook = NotebookPage(page, server, console).open(SCRATCH_LAB)
            notebook.run_all()
            lab = notebook.labs().first
            notebook.scroll_to(lab)
            page.evaluate(CLICK_AND_WATCH, lab.element_handle())  # warm-up run: TensorFlow and the page
            results = []
            for index in range(repeats):
                marks = page.evaluate(CLICK_AND_WATCH, lab.element_handle())
                if None in (marks["changed"], marks["epoch1"], marks["done"]):
                    raise SystemExit(f"click {index + 1}: the lab did not finish within 120 s on the page: {marks}")
                print(f"  click {index + 1}: first trace change {marks['changed']:.0f} ms, epoch 1 drawn "
                      f"{marks['epoch1']:.0f} ms, run over {marks['done'] / 1000:.1f} s ({marks['status'].strip()})",
                      flush=True)
                results.append(marks)
            if console.errors:
                raise SystemExit("browser console errors:\n" + "\n".join(console.errors))
            return results
        finally:
            browser.close()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=1.0, help="Chromium CPU slow-down factor (1 = none)")
    args = parser.parse_args()
    problem = missing_requirements()
    if problem:
        raise SystemExit(problem)
    print(machine())
    print(f"page CPU throttling: {args.throttle:g}x")
    results = measure(args.repeats, args.throttle)
    median = lambda key, scale=1.0: statistics.median(r[key] for r in results) / scale  # noqa: E731
    print(f"median of {len(results)} clicks: first trace change {median('changed'):.0f} ms, "
          f"epoch 1 drawn {median('epoch1'):.0f} ms, whole 30-epoch run {median('done', 1000):.1f} s")


if __name__ == "__main__":
    main()
