"""The staff's texts in the report (helpers.core.texts), with published numbers cited by placeholder.

A text cites a number without typing it: `{{mv_anteil 2019}}` is the city's value,
`{{mv_anteil 2019 Coerde}}` an area's (by name or code, at any level of the hierarchy), and
`{{alo_dichte:foreign 2019}}` a group's. Without a year (`{{mv_anteil}}`, `{{mv_anteil Coerde}}`)
a placeholder cites the text's report year, so a text carried into the next year as a draft cites
the new year's numbers without being edited; `{{alo_dichte:foreign letztes}}` cites the latest year
with a published value and says which ("6,6 % (2014)"). What a placeholder stands for is decided in
one place, helpers.disclosure.citations. The placeholder renders the disclosed value in German
format with its flag ("21,7 %", "4,2 % r", "." when suppressed or missing: a hint of the build's text
check, refused by a release), so a text stays right when the data are revised, never shows a
suppressed value, and the checker sees the cell like any other published one (it is recorded as
"Text"). A placeholder naming something unknown stops the build before any kernel starts, with the
text file, its line and the nearest name.

Each text appears in a box set apart from the generated sentences, labelled with its kind and its
author (front matter `von:`); a draft says so in its label, an example too.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import mistune
import pandas as pd

from helpers.core import catalogue, texts
from helpers.core.texts import StaffText
from helpers.disclosure import citations
from helpers.sections.shown import Record, Shown

LABELS = {"einleitung": "Einleitung", "handlungsfeld": "Einordnung", "empfehlungen": "Handlungsempfehlungen",
          "indikator": "Einordnung"}
#: Raw HTML in a text is shown as typed, never executed (escape=True).
_MARKDOWN = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def _cat() -> catalogue.Catalogue:
    return catalogue.load()


@lru_cache(maxsize=8)
def _texts_cached(year: int, data_key: tuple) -> tuple[StaffText, ...]:
    cat = _cat()
    return tuple(texts.load(year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators}))


def _data_key(year: int) -> tuple:
    """The state of the year's text files: a changed text is read again in a running kernel."""
    base = texts.folder(year)
    if not base.is_dir():
        return ()
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(base.rglob("*")) if p.is_file())


def year_texts(year: int) -> tuple[StaffText, ...]:
    """Every text of a report year, checked (helpers.core.texts.load)."""
    return _texts_cached(year, _data_key(year))


def find(place: str, key: str, year: int) -> StaffText | None:
    return next((t for t in year_texts(year) if t.place == place and t.key == key), None)


def render(text: StaffText) -> tuple[str, list[pd.DataFrame]]:
    """The text's Markdown with every placeholder replaced by its value (helpers.disclosure.citations),
    and the cells it cites."""
    cited: list[pd.DataFrame] = []
    lines = []
    for offset, line in enumerate(text.body.splitlines()):
        def replace(match: re.Match, number: int = text.first_line + offset) -> str:
            citation = citations.resolve(citations.reference(text, number, match.group("inner")))
            if not citation.cell.empty:
                cited.append(citation.cell)
            return citation.rendered()
        lines.append(citations.PLACEHOLDER.sub(replace, line))
    return "\n".join(lines), cited


def _label(text: StaffText) -> str:
    label = LABELS[text.place]
    if text.author:
        label += f" ({text.author})"
    if text.draft:
        label += " – ENTWURF, nicht freigegeben"
    if text.example:
        label += " – Beispieltext der Demodaten"
    return label


def box(text: StaffText) -> Shown:
    """One text in its labelled box, with the cells its placeholders cite recorded."""
    markdown, cited = render(text)
    classes = "im-staff-text" + (" im-staff-draft" if text.draft else "")
    label = _label(text)
    # role="note": part of the chapter's content, set apart; no landmark (several boxes share a label)
    fragment = (f'<div class="{classes}" role="note">'
                f'<p class="im-staff-label">{html.escape(label)}</p>{_MARKDOWN(markdown)}</div>')
    result = Shown(label)
    result.html(fragment, records=[Record(cell, "Text") for cell in cited])
    return result


def section(place: str, key: str, year: int | None) -> Shown:
    """The text of one place for a report year, or nothing when none is written (or no year is given)."""
    if year is None:
        return Shown()
    texts.note_read(place, key, year)  # the runner re-runs this chapter when this text changes
    text = find(place, key, year)
    return box(text) if text is not None else Shown()


def introduction(report_year: int | None) -> Shown:
    """The staff's introduction to the report of a year (the summary chapter shows it first)."""
    return section("einleitung", "", report_year)
