// The site's only script: draw every figure from its JSON with the plotly.js served next to it, and
// make precomputed labs respond (a control's change swaps in that grid cell's figures, summary and code).
(function () {
  "use strict";
  const CONFIG = { displaylogo: false, responsive: true };
  const copy = (value) => JSON.parse(JSON.stringify(value)); // plotly writes into what it is given

  function draw(box, figure) {
    return Plotly.react(box, copy(figure.data), copy(figure.layout), CONFIG);
  }

  for (const script of document.querySelectorAll("script.site-figure-data")) {
    draw(document.getElementById(script.dataset.for), JSON.parse(script.textContent));
  }

  for (const lab of document.querySelectorAll(".site-lab")) {
    const data = (window.workbookLabs || {})[lab.dataset.lab];
    if (!data) {
      console.error(`precomputed lab ${lab.dataset.lab}: its data script did not load`);
      continue;
    }
    const controls = [...lab.querySelectorAll("select[data-field]")];
    const status = lab.querySelector(".site-lab-status");
    const code = lab.querySelector(".site-lab-code code");
    const show = () => {
      const key = controls.map((control) => control.value).join("|");
      const run = data.runs[key];
      if (!run) {
        console.error(`precomputed lab ${lab.dataset.lab}: no run for ${key}`);
        return;
      }
      const drawn = [...lab.querySelectorAll("[data-figure]")].map((box) => draw(box, run.figures[box.dataset.figure]));
      status.textContent = run.summary;
      code.textContent = run.code;
      Promise.all(drawn).then(() => { lab.dataset.runKey = key; });
    };
    for (const control of controls) control.addEventListener("change", show);
  }
})();
