"""The course as a static web site: every chapter executed, its figures drawn without a kernel, and
each chapter's main lab replayed from a grid of runs trained at build time.

`python -m widgets.site build` (see `__main__`) writes the site.  The parts, one job each:
`fingerprint` (content hashes and library versions that key the caches), `execute` (runs a chapter
with nbclient, cached), `snapshot` (what the kernel reports of its live figures), `widget_html`
(a widget tree as static HTML), `pages` (nbconvert pages, the index, navigation), `grids` (which labs
are precomputed, on which settings), `runcache` (trained runs kept on disk), `labview` (a
precomputed lab's controls, figures and data), `jobs` (the slow steps on worker processes) and `build`
(all of it, with progress lines).
"""
