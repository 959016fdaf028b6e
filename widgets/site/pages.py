"""Chapter pages with nbconvert, and the site's index and navigation.

Each executed chapter becomes one page through nbconvert's HTMLExporter and the `workbook_site`
template (JupyterLab's look, nothing from the network).  Before export, every output that needs a
kernel or a CDN is made static: widget views become HTML (`widget_html`), plotly outputs become
figure boxes (`figures`), and a precomputed lab's cell gets its lab instead.  Math is converted to
MathML at build time, which browsers draw without MathJax.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

import latex2mathml.converter
from jinja2 import pass_context
import nbformat
from jupyter_core.paths import jupyter_path
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from . import execute
from .figures import figure_html
from .widget_html import StaticWidgets

TEMPLATES = Path(__file__).resolve().parent / "templates"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
_CHAPTER_LINK = re.compile(r'href="(\d\d_\w+)\.ipynb')


@dataclass(frozen=True)
class Chapter:
    """One chapter of the site: its notebook and the page it becomes."""

    notebook: Path

    @property
    def number(self) -> str:
        return self.notebook.name[:2]

    @property
    def page(self) -> str:
        return self.notebook.stem + ".html"

    def title(self, nb: nbformat.NotebookNode) -> str:
        """The chapter's first heading, without its markdown ("01 · Vanishing ..."), or its file name."""
        for cell in nb.cells:
            match = re.search(r"^#\s+(.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
            if match:
                return match.group(1).strip()
        return self.notebook.stem


def _math(tex: str, display: str) -> str:
    try:
        return latex2mathml.converter.convert(tex.strip(), display=display)
    except Exception:  # noqa: BLE001 (the converter raises many kinds): keep the TeX readable instead
        return f'<code class="site-tex">{html.escape(tex)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with $...$ and $$...$$ turned into MathML instead of left for MathJax."""

    def block_math(self, body: str) -> str:
        return _math(body, "block")

    def inline_math(self, body: str) -> str:
        return _math(body, "inline")


class SiteExporter(HTMLExporter):
    """HTMLExporter with the site's template and MathML math."""

    def __init__(self, **kwargs):
        super().__init__(extra_template_basedirs=[str(TEMPLATES)], template_name="workbook_site",
                         exclude_input_prompt=False, **kwargs)

    @pass_context
    def markdown2html(self, context, source):  # noqa: D102 (the parent's filter, with MathMLRenderer)
        cell = context.get("cell", {})
        renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                                  anchor_link_text=self.anchor_link_text, exclude_anchor_links=False)
        return MarkdownWithMath(renderer=renderer).render(source)


def notebook_css() -> str:
    """JupyterLab's notebook CSS from nbconvert's lab template (light theme), shared by every page."""
    parts = []
    for name in ("index.css", "theme-light.css"):
        found = [Path(p) for p in jupyter_path("nbconvert", "templates", "lab", "static", name) if Path(p).exists()]
        if not found:
            raise FileNotFoundError(f"nbconvert's lab template has no static/{name}: is nbconvert installed?")
        parts.append(found[0].read_text(encoding="utf-8"))
    return "\n".join(parts)


def static_notebook(nb: nbformat.NotebookNode, replacements: Mapping[int, str]) -> nbformat.NotebookNode:
    """A copy of the executed notebook whose outputs all render without a kernel.

    replacements: code cell index -> HTML shown instead of that cell's outputs (a precomputed lab).
    """
    nb = copy.deepcopy(nb)
    widgets = StaticWidgets(execute.widget_state(nb), execute.figures(nb), outputs_html)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if index in replacements:
            cell.outputs = [_html_output(replacements[index])]
            continue
        cell.outputs = [_static_output(output, widgets) for output in cell.outputs]
    if widgets.unknown:
        raise ValueError(f"no static form for these widget models: {sorted(widgets.unknown)}; "
                         "add one in widgets/site/widget_html.py")
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("workbook_site", None)
    return nb


def _html_output(markup: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": markup})


def _static_output(output: nbformat.NotebookNode, widgets: StaticWidgets) -> nbformat.NotebookNode:
    data = output.get("data", {})
    if WIDGET_VIEW in data:
        return _html_output(widgets.render(data[WIDGET_VIEW]["model_id"]))
    if PLOTLY in data:
        return _html_output(figure_html(data[PLOTLY]))
    return output


def outputs_html(outputs: list) -> str:
    """An output widget's outputs as HTML (the few kinds the workbook puts in one)."""
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append(f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>")
            continue
        data = output.get("data", {})
        if PLOTLY in data:
            parts.append(figure_html(data[PLOTLY]))
        elif "text/html" in data:
            parts.append("".join(data["text/html"]))
        elif "image/png" in data:
            parts.append(f'<img alt="" src="data:image/png;base64,{data["image/png"]}">')
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(''.join(data['text/plain']))}</pre>")
    return "".join(parts)


def navigation(chapters: list[tuple[Chapter, str]], current: Optional[int]) -> tuple[str, str]:
    """The header and footer navigation of a page: (header HTML, footer HTML).

    chapters: (chapter, title) in order; current: the index of this page's chapter (None: the index).
    """
    def link(i: int, rel: str, text: str) -> str:
        chapter, title = chapters[i]
        return f'<a rel="{rel}" href="{chapter.page}">{text}: {html.escape(title)}</a>'

    parts = ['<a href="index.html">All chapters</a>']
    if current is not None and current > 0:
        parts.append(link(current - 1, "prev", "Previous"))
    if current is not None and current + 1 < len(chapters):
        parts.append(link(current + 1, "next", "Next"))
    items = "".join(f"<li>{p}</li>" for p in parts)
    return (f'<nav class="site-nav" aria-label="Chapters"><ul>{items}</ul></nav>',
            f'<nav class="site-nav" aria-label="Chapters, end of page"><ul>{items}</ul></nav>')


def chapter_page(exporter: SiteExporter, chapter: Chapter, nb: nbformat.NotebookNode, nav: tuple[str, str],
                 built: set[str]) -> str:
    """The HTML page of one chapter (nb: the static notebook); links to built chapters point at their pages."""
    body, _ = exporter.from_notebook_node(nb, resources={
        "metadata": {"name": chapter.title(nb)}, "site_nav": nav[0], "site_nav_footer": nav[1]})
    return _CHAPTER_LINK.sub(lambda m: f'href="{m.group(1)}.html' if m.group(1) in built else m.group(0), body)


def index_page(chapters: list[tuple[Chapter, str]], labs: Mapping[str, str]) -> str:
    """The site's front page: what it is, how to run it live, and the list of chapters.

    labs: chapter number -> a short description of its precomputed lab.
    """
    items = []
    for chapter, title in chapters:
        lab = f' <span class="site-badge">precomputed lab: {html.escape(labs[chapter.number])}</span>' \
            if chapter.number in labs else ""
        items.append(f'<li><a href="{chapter.page}">{html.escape(title)}</a>{lab}</li>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Training deep networks: an interactive workbook</title>
<link rel="stylesheet" href="assets/site.css">
</head>
<body class="site-index">
<main id="content">
<h1>Training deep networks: an interactive workbook</h1>
<p>Every chapter below was executed when this site was built: its prose, code, outputs and figures
are here to read without installing anything. The labs of the chapters marked
<em>precomputed lab</em> still respond: their controls switch between runs trained when the site was built.</p>
<p>To change any code and train live, run the workbook in JupyterLab: from a clone of the repository,
<code>python3 -m venv .venv &amp;&amp; .venv/bin/pip install -q -c constraints.txt -e . &amp;&amp;
.venv/bin/jupyter lab notebooks/00_start_here.ipynb</code> (the README says more).</p>
<h2>Chapters</h2>
<ol class="site-chapters">{''.join(items)}</ol>
</main>
</body>
</html>
"""
