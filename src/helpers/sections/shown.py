"""What a section shows, as an object: it renders itself in a notebook and holds what it shows.

Every section a notebook calls returns a `Shown` (or a subclass with named fields). In a
notebook it displays exactly as a section always did: headings, text, tables and figures in
order. Outside the display it is data: `tables` (DataFrames of disclosed values with their
flags), `figures` (matplotlib figures), `sentences` (the key sentences as text), so a
researcher can take a table out, change a figure or reuse a sentence.

What is published is recorded when the object is displayed, not when it is computed: a
result kept in a variable and never shown publishes nothing, and a result shown twice is
recorded twice (the register keeps what each output shows). Recording goes through
helpers.disclosure.register, so nothing a notebook shows escapes the disclosure checker.

In JupyterLab a result looks as in the report: its HTML outputs carry one scoped style
(helpers.sections.lab_style), and each interactive figure it embeds follows as JupyterLab's own Vega-Lite
mimetype (helpers.figures.lab_view; all of them in `views`). The stitched report takes both out again.

A result whose method the report explains names it in `notes` (e.g. "segregation"); displayed, it
notes the key in the register, and the stitched report prints the method notes of what its chapters
showed (helpers.publish.stitch), not of what their source happens to mention.

    >>> from helpers.sections import blocks
    >>> result = blocks.indicator_section("mv_anteil", 2014)   # doctest: +SKIP
    >>> result.tables["zeitreihe"].head()                        # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from helpers.core import context
from helpers.disclosure import register
from helpers.figures import lab_view
from helpers.sections import lab_style


@dataclass
class Record:
    """Cells an output shows: `values` (indicator frame), `what` (Tabelle, Karte, …), the value column."""

    values: pd.DataFrame
    what: str
    column: str = "value"


@dataclass
class Part:
    """One displayed piece: markdown text, an HTML fragment, a figure, or a nested result."""

    kind: str  # "markdown" | "html" | "figure" | "shown"
    content: object
    alt: str | None = None
    records: list[Record] = field(default_factory=list)
    data: str | None = None  # the published table that holds a figure's numbers (charts.show)
    interactive: str | None = None  # the figure's interactive twin, as HTML (helpers.figures.interactive)


class Shown:
    """Base of the section results: an ordered list of parts plus the data behind them.

    Subclasses add named fields for their own results (e.g. the Moran table). Build a result
    with `markdown`, `html`, `figure` and `add`; keep data with `table` and `sentence`.
    A subclass whose method the report explains on its closing pages names the note's key in
    `notes` (the keys of helpers.publish.stitch.NOTES).
    """

    #: The report's notes this result needs when shown (keys of helpers.publish.stitch.NOTES).
    notes: tuple[str, ...] = ()

    def __init__(self, title: str = "") -> None:
        self.title = title
        self.parts: list[Part] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures: dict[str, Figure] = {}
        self.specs: dict[str, dict] = {}
        self.sentences: list[str] = []

    # --- building ---------------------------------------------------------------------------

    def markdown(self, text: str, records: list[Record] | None = None) -> Shown:
        self.parts.append(Part("markdown", text, records=list(records or [])))
        return self

    def html(self, fragment: str, records: list[Record] | None = None) -> Shown:
        self.parts.append(Part("html", fragment, records=list(records or [])))
        return self

    def figure(self, name: str, fig: Figure, alt: str | None = None, records: list[Record] | None = None,
               data: str | None = None, spec: dict | None = None, interactive: str | None = None) -> Shown:
        """Show `fig` with `alt` (what it shows, with key values); `data` names the published table with
        its numbers (charts.DATA_TABLES), which the stitched report links beside the figure. `spec`: the
        figure's interactive twin (a Vega-Lite spec, kept in `specs` under the figure's name) and
        `interactive` its HTML, shown after the figure (its cells belong in `records`)."""
        self.figures[name] = fig
        if spec is not None:
            self.specs[name] = spec
        self.parts.append(Part("figure", fig, alt=alt, records=list(records or []), data=data,
                               interactive=interactive))
        return self

    def add(self, other: Shown) -> Shown:
        """Show another result inside this one (its tables and figures stay reachable through it)."""
        self.parts.append(Part("shown", other))
        return self

    def table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        self.tables[name] = frame
        return frame

    def sentence(self, text: str) -> str:
        self.sentences.append(text)
        return text

    def record(self, values: pd.DataFrame, what: str, column: str = "value") -> Record:
        """A record to attach to the part that shows these cells."""
        return Record(values, what, column)

    # --- showing ----------------------------------------------------------------------------

    @property
    def views(self) -> dict[str, lab_view.InteractiveView]:
        """The interactive figures this result shows (its own and its nested results'), by their spec's id; each
        displays in JupyterLab as JupyterLab's Vega renderer draws it, offline (helpers.figures.lab_view)."""
        found: dict[str, lab_view.InteractiveView] = {}
        for part in self.parts:
            if part.kind == "shown":
                found.update(part.content.views)
            elif part.kind == "html":
                found.update(lab_view.views(str(part.content)))
            elif part.interactive:
                found.update(lab_view.views(part.interactive))
        return found

    def _ipython_display_(self) -> None:
        self._display(_Styled())

    def _display(self, styled: _Styled) -> None:
        """Show the parts in order, recording their cells. Each HTML output is wrapped in the root element whose
        scoped style (the first output's) gives it the report's look in JupyterLab (helpers.sections.lab_style);
        an output that embeds an interactive figure is followed by that figure for JupyterLab
        (helpers.figures.lab_view), except in a report build's chapter kernel. The stitched report takes both
        out again (helpers.publish.stitch)."""
        from IPython.display import HTML, Markdown, display

        # A report build's kernel leaves the views out: the stitch drops them, and they cost the build about 3 %
        # CPU and its executed chapters 3.6 MB (Münster 2019); in JupyterLab the same chapter shows them.
        lab_views = not context.current().recording
        for key in self.notes:
            register.note(key)
        for part in self.parts:
            for rec in part.records:
                register.record(rec.values, rec.what, rec.column)
            if part.kind == "markdown":
                display(Markdown(part.content))
            elif part.kind == "shown":
                part.content._display(styled)
            else:
                fragment = _html_of(part)
                display(HTML(lab_style.wrap(fragment, styled=styled.first())))
                if lab_views:
                    for view in lab_view.views(fragment).values():
                        display(view)

    def __repr__(self) -> str:
        pieces = [f"{type(self).__name__}({self.title!r}"]
        if self.tables:
            pieces.append(f"tables={sorted(self.tables)}")
        if self.figures:
            pieces.append(f"figures={sorted(self.figures)}")
        if self.specs:
            pieces.append(f"specs={sorted(self.specs)}")
        if self.sentences:
            pieces.append(f"sentences={len(self.sentences)}")
        return ", ".join(pieces) + ")"


class _Styled:
    """Whether a display has given its style yet: once per displayed result, nested results included."""

    def __init__(self) -> None:
        self.given = False

    def first(self) -> bool:
        """True the first time only."""
        first, self.given = not self.given, True
        return first


def _html_of(part: Part) -> str:
    """The HTML a part shows: its fragment, or a figure's image (and its interactive twin, the same output)."""
    if part.kind == "figure":
        from helpers.figures import charts

        return charts.figure_tag(part.content, part.alt, part.data) + (part.interactive or "")
    return str(part.content)
