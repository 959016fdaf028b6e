// One reading of the visible notebook for the browser tests (evaluated by Playwright).
// Argument: the CSS selector of the visible notebook panel.  Returns plain data only.
// Text is read with textContent: innerText is empty for cells JupyterLab has not rendered
// (content-visibility skips cells out of view).
(panelSelector) => {
  const panel = document.querySelector(panelSelector);
  if (!panel) return { found: false };
  const codeCells = [...panel.querySelectorAll('.jp-CodeCell')];
  const firstLine = (cell) => {
    const line = cell.querySelector('.jp-InputArea-editor .cm-line');
    return line ? line.textContent.slice(0, 100) : '';
  };
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  };
  const STDERR = 'application/vnd.jupyter.stderr';
  // A kernel error (traceback) or an exception message written to stderr; warnings are not errors.
  const looksLikeError = (text) => /Traceback \(most recent call last\)|^\s*\w*(Error|Exception)\b/m.test(text);
  // What ipywidgets shows in place of a widget it could not render.
  const WIDGET_PROBLEM = /Error displaying widget|Failed to load model class|Loading widget\.\.\./;

  const outputs = [];
  const plots = [];
  const labs = [];
  codeCells.forEach((cell, index) => {
    const source = firstLine(cell);
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const rendered = out.matches('[data-mime-type]') ? out : out.querySelector('[data-mime-type]');
      const mime = rendered ? rendered.getAttribute('data-mime-type') : '';
      const isWidget = !!out.querySelector('.jupyter-widgets');
      const text = isWidget ? '' : out.textContent;
      outputs.push({
        cell: index, source, mime, text: text.slice(0, 4000),
        stderr: mime === STDERR,
        error: mime === STDERR && looksLikeError(text),
        widgetProblem: WIDGET_PROBLEM.test(out.textContent) && !out.querySelector('.js-plotly-plot'),
      });
    }
    for (const plot of cell.querySelectorAll('.js-plotly-plot')) {
      const data = Array.isArray(plot.data) ? plot.data : [];
      const withPoints = data.filter((t) => t.visible !== false && ['x', 'y', 'z', 'values', 'lat']
        .some((k) => t[k] && t[k].length > 0));
      const title = plot.layout && plot.layout.title
        ? (typeof plot.layout.title === 'string' ? plot.layout.title : plot.layout.title.text || '') : '';
      plots.push({
        cell: index, source, title,
        hasSvg: !!plot.querySelector('.main-svg'),
        tracesWithData: withPoints.length,
        // the drawn marks: one group per trace for the SVG trace types, images/canvases for the rest
        drawn: plot.querySelectorAll(
          '.scatterlayer .trace, .barlayer .trace, .boxlayer .trace, .violinlayer .trace, ' +
          '.contourlayer .trace, .heatmaplayer image, .imagelayer image, .pielayer .trace, ' +
          '.funnellayer .trace, .waterfalllayer .trace, .carpetlayer .trace, .gl-container canvas'
        ).length,
        box: rect(plot),
        // plotly draws at a fixed pixel size; wider than its box, the figure is cut off
        drawnRight: Math.max(...[...plot.querySelectorAll('.main-svg')].map((svg) => svg.getBoundingClientRect().right)),
      });
    }
  });
  for (const lab of panel.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')) {
    const grid = lab.querySelector(':scope > .widget-gridbox');
    const buttons = [...lab.querySelectorAll('button.jupyter-button')].map((b) => b.textContent.trim());
    if (!grid || !buttons.includes('Train')) continue;
    const cell = lab.closest('.jp-CodeCell');
    const status = lab.querySelector(':scope > .widget-html .widget-html-content');  // the first HTML line
    const output = lab.closest('.jp-OutputArea-output');
    const children = [...grid.children, ...lab.querySelectorAll('button.jupyter-button, .js-plotly-plot, .widget-html')];
    labs.push({
      cell: codeCells.indexOf(cell),
      controls: [...grid.children].map((c) => ({
        label: (c.querySelector('.widget-label, label') || c).textContent.trim(),
        visible: c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().height > 0,
      })),
      buttons,
      status: status ? status.textContent.trim() : null,
      figures: lab.querySelectorAll('.js-plotly-plot').length,
      rect: rect(lab),
      widestChildRight: Math.max(...children.map((c) => c.getBoundingClientRect().right)),
      output: { rect: rect(output), scrollWidth: output.scrollWidth, clientWidth: output.clientWidth },
    });
  }
  const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel.querySelector('.jp-Notebook');
  const doc = document.scrollingElement;
  return {
    found: true,
    codeCells: codeCells.length,
    outputs, plots, labs,
    layout: {
      viewportWidth: window.innerWidth,
      document: { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth },
      notebook: { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth },
    },
  };
}
