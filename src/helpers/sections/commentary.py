"""The staff's texts in the report (helpers.core.texts), with published numbers cited by placeholder.

A text cites a number without typing it: `{{mv_anteil 2019}}` is the city's value,
`{{mv_anteil 2019 Coerde}}` an area's (by name or code, at any level of the hierarchy), and
`{{alo_dichte:foreign 2019}}` a group's. Without a year (`{{mv_anteil}}`, `{{mv_anteil Coerde}}`)
a placeholder cites the text's report year, so a text carried into the next year as a draft cites
the new year's numbers without being edited. The placeholder renders the disclosed value in German
format with its flag ("21,7 %", "4,2 % r", "." when suppressed), so a text stays right when the
data are revised, never shows a suppressed value, and the checker sees the cell like any other
published one (it is recorded as "Text"). A placeholder naming something unknown stops the build
with the text file, its line and what is offered.

Each text appears in a box set apart from the generated sentences, labelled with its kind and its
author (front matter `von:`); a draft says so in its label, an example too.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import mistune
import pandas as pd

from helpers.core import areas, catalogue, formatting, levels, texts
from helpers.core.texts import StaffText, TextError
from helpers.disclosure import disclosed
from helpers.sections.shown import Record, Shown

PLACEHOLDER = re.compile(r"\{\{\s*(?P<inner>[^{}]*?)\s*\}\}")
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


def _area(text: StaffText, line: int, name: str) -> tuple[str, str]:
    """(level, code) of an area of the hierarchy named by its name, code or an alias in data/areas.csv
    ("Stadt" or the city's name for the city)."""
    wanted = name.casefold()
    if wanted == "stadt":
        return levels.CITY, str(areas.city().code)
    table = areas.areas()
    table = table[table["level"].isin(levels.hierarchy().codes)]
    aliases = table.get("aliases", pd.Series("", index=table.index)).fillna("").astype(str).str.casefold().str.split("|")
    hits = table[(table["name"].str.casefold() == wanted) | (table["code"].astype(str) == name)
                 | aliases.apply(lambda names: wanted in names)]
    if hits.empty:
        raise _error(text, line, f"Gebiet {name!r} ist unbekannt; gemeint ist ein Name oder Schlüssel aus data/areas.csv "
                                 f"(z. B. {', '.join(table['name'].head(3))}) oder 'Stadt'.")
    row = hits.iloc[0]
    return str(row["level"]), str(row["code"])


def _error(text: StaffText, line: int, message: str) -> TextError:
    return TextError(f"{text.path}, Zeile {line}: {message}")


def _is_year(word: str) -> bool:
    return word.isdigit() and len(word) == 4 and 1900 <= int(word) <= 2100


def _value(text: StaffText, line: int, inner: str) -> tuple[str, pd.DataFrame]:
    """The rendered value of one placeholder and the disclosed cell behind it."""
    parts = inner.split()
    usage = ("Platzhalter sehen so aus: {{indikator}}, {{indikator jahr}}, {{indikator jahr gebiet}} oder "
             "{{indikator:gruppe jahr gebiet}} (ohne Jahr: das Berichtsjahr)")
    if not parts:
        raise _error(text, line, f"{{{{{inner}}}}} ist kein gültiger Platzhalter. {usage}.")
    if len(parts) == 1 or not _is_year(parts[1]):
        parts.insert(1, str(text.year))  # no year: the report year (a short number is an area code)
    indicator_id, _, group = parts[0].partition(":")
    group = group or "total"
    cat = _cat()
    if indicator_id not in {i.id for i in cat.indicators}:
        raise _error(text, line, f"Indikator {indicator_id!r} ist im Katalog unbekannt. {usage}.")
    ind = cat.indicator(indicator_id)
    year = int(parts[1])
    level, code = _area(text, line, " ".join(parts[2:])) if len(parts) > 2 else (levels.CITY, str(areas.city().code))
    if year > text.year:
        raise _error(text, line, f"{year} liegt nach dem Berichtsjahr {text.year}.")
    try:
        values = disclosed.values(ind, level)
    except ValueError:
        raise _error(text, line, f"„{ind.name}“ gibt es nicht auf der Ebene {level!r}.") from None
    cell = values[(values["year"] == year) & (values["area_code"].astype(str) == code) & (values["group"] == group)]
    if cell.empty:
        groups = sorted(set(values["group"]))
        raise _error(text, line, f"Für „{ind.name}“, {year}, Gebiet {code}, Gruppe {group!r} gibt es keinen Wert "
                                 f"(Jahre {values['year'].min()}–{values['year'].max()}, Gruppen {', '.join(groups)}).")
    row = cell.iloc[0]
    value = None if pd.isna(row["value"]) else float(row["value"])
    return formatting.with_unit(value, ind.unit, flag=str(row["flag"] or "")), cell


def render(text: StaffText) -> tuple[str, list[pd.DataFrame]]:
    """The text's Markdown with every placeholder replaced, and the cells it cites."""
    cited: list[pd.DataFrame] = []
    lines = []
    for offset, line in enumerate(text.body.splitlines()):
        def replace(match: re.Match, number: int = text.first_line + offset) -> str:
            shown, cell = _value(text, number, match.group("inner"))
            cited.append(cell)
            return shown
        lines.append(PLACEHOLDER.sub(replace, line))
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
