"""The sections' look in JupyterLab: one <style>, scoped under the class of a result's root elements.

The report styles a section with its page's stylesheet (helpers/publish/templates/monitoring/report.css);
JupyterLab has none of it and styles HTML outputs its own way: tables centred with right-aligned cells and
striped rows, no frame around a definition box or a staff text, and the screen-reader caption "Definition: …"
(class `visually-hidden`) shown as an extra line. So a result, when displayed, wraps each of its HTML outputs
in an element of class SCOPE, and the first of them carries STYLE: the report's rules for the elements
sections write (RULES, the same selectors and declarations as report.css; tests/test_lab_style.py keeps them
in step), plus RESETS that undo JupyterLab's table rules, every selector under SCOPE so that nothing else in
JupyterLab changes.

The report does not need either: its stylesheet is on the page. The stitch takes both out again (`unwrap`,
helpers.publish.stitch), so report.html is byte for byte what it was, and its size does not grow with the
number of sections. The manifest's reading of a chapter's numbers skips <style> and adds no text for the
wrapper, so the published numbers' fingerprints stay the same too.

    >>> unwrap(wrap("<p>x</p>", styled=True))
    '<p>x</p>'
    >>> unwrap("<p>not wrapped</p>")
    '<p>not wrapped</p>'
"""

from __future__ import annotations

import re
from functools import lru_cache

#: The class of the root element of each HTML output of a result, under which STYLE's rules apply.
SCOPE = "im-abschnitt"
OPEN = f'<div class="{SCOPE}">'
CLOSE = "</div>"
#: The <style> element's start: its class names it, so a reader (and the stitch) recognises it.
STYLE_OPEN = f'<style class="{SCOPE}-stil">'

#: The report's custom properties (report.css `:root`), set on the scope's root element instead.
VARIABLES = "--accent: #1f5f8b; --muted: #555; --rule: #d0d7de; --synthetic: #b2182b;"

#: The rules of report.css for what sections write, as report.css has them (selector and declarations).
RULES = """
img { max-width: 100%; height: auto; display: block; margin: 1rem 0; }
.definition-box { border-left: 4px solid var(--accent); background: #f4f8fb; padding: .6rem 1rem; margin: 1rem 0; }
.definition-box .definition-title { font-weight: bold; margin: 0 0 .4rem; }
.definition-box table { border-collapse: collapse; font-size: .88rem; }
.definition-box th { text-align: left; vertical-align: top; padding: .15rem 1rem .15rem 0; white-space: nowrap;
                     color: var(--muted); font-weight: normal; }
.definition-box td { padding: .15rem 0; }
.im-staff-text { border-left: 4px solid #6b4f9e; background: #f6f3fa; padding: .6rem 1rem; margin: 1rem 0; }
.im-staff-label { font-weight: bold; color: #4a3470; margin: 0 0 .4rem; }
.im-staff-draft { border-left-style: dashed; }
.im-staff-draft .im-staff-label { color: #8a1c1c; }
.synthetic-mark { color: var(--synthetic); font-weight: bold; border: 1px solid var(--synthetic); padding: 0 .4rem; display: inline-block; }
figure.im-table-figure { margin: 1rem 0; }
table.im-table caption { caption-side: top; text-align: left; font-weight: bold; margin-bottom: .3rem; }
table.im-table { border-collapse: collapse; font-size: .9rem; }
table.im-table th, table.im-table td { padding: .25rem .7rem; border-bottom: 1px solid var(--rule); text-align: right; }
table.im-table th:first-child, table.im-table td:first-child { text-align: left; }
table.im-table thead th { border-bottom: 2px solid #888; }
p.source { font-size: .8rem; color: var(--muted); margin-top: .2rem; }
p.table-note { font-size: .8rem; margin: .2rem 0; }
.break-mark { font-weight: bold; }
p.rule { font-size: .85rem; border-left: 3px solid var(--accent); padding-left: .6rem; }
table.summary-table { font-size: .8rem; }
table.summary-table tr.hf-row th { text-align: left; background: #e8eff5; color: var(--accent); padding-top: .5rem; }
table.summary-table tr.synthetic td { background: #fdf3f3; }
table.summary-table td:first-child { max-width: 18rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
                   clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
"""

#: What a browser's defaults give the report and JupyterLab's `.jp-RenderedHTMLCommon` rules change: tables
#: centred, of fixed layout, in the interface's font size; cells right-aligned, padded and striped; a line
#: under every table head; and in a dark theme, light text on the boxes' light backgrounds (they keep the
#: report's text colour). Undone inside the scope only, under RESET_SCOPE: as specific as JupyterLab's own
#: rules (`:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`), and later on the page, so they win; RULES
#: come after them and win where both set a property (a table's font size).
RESETS = """
table { margin-left: 0; margin-right: 0; table-layout: auto; color: inherit; font-size: inherit; }
thead { border-bottom: none; }
tbody tr:nth-child(n), tbody tr:nth-child(n):hover { background: transparent; }
td, th { line-height: inherit; }
td { text-align: left; }
.definition-box, .im-staff-text, table.summary-table tr.hf-row th, table.summary-table tr.synthetic td { color: #1b1b1b; }
"""

#: Where RESETS apply: a section's root element inside JupyterLab's rendered HTML.
RESET_SCOPE = f"jp-RenderedHTMLCommon .{SCOPE}"

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def scoped(css: str, scope: str = SCOPE) -> str:
    """Flat CSS rules (no @-rules, no comments) with every selector put under `.scope`, one rule a line.

    >>> scoped("a, p.x { color: red; }")
    '.im-abschnitt a, .im-abschnitt p.x { color: red; }'
    """
    out = []
    for selectors, declarations in _RULE.findall(css):
        under = ", ".join(f".{scope} {s.strip()}" for s in selectors.split(","))
        out.append(f"{under} {{ {' '.join(declarations.split())} }}")
    return "\n".join(out)


@lru_cache(maxsize=1)
def style() -> str:
    """The <style> element a result's first HTML output carries in JupyterLab (about 3 KB)."""
    return f"{STYLE_OPEN}\n.{SCOPE} {{ {VARIABLES} }}\n{scoped(RESETS, RESET_SCOPE)}\n{scoped(RULES)}\n</style>"


def wrap(fragment: str, styled: bool = False) -> str:
    """`fragment` in its root element of class SCOPE; `styled`: with the <style> in front (a result's first)."""
    return f"{OPEN}{style() if styled else ''}{fragment}{CLOSE}"


def unwrap(text: str) -> str:
    """What `wrap` was given: the fragment without root element and style (any other text as it is)."""
    if not (text.startswith(OPEN) and text.endswith(CLOSE)):
        return text
    inner = text[len(OPEN):len(text) - len(CLOSE)]
    if inner.startswith(STYLE_OPEN):
        inner = inner[inner.index("</style>") + len("</style>"):]
    return inner
