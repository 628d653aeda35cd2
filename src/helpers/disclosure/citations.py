"""What a placeholder in a staff text stands for: `{{mv_anteil 2019 Coerde}}` resolved to a published cell.

The staff's texts (helpers.core.texts) cite numbers instead of typing them. A placeholder is

    {{indikator[:gruppe] [jahr | letztes] [gebiet]}}

- without a year it cites the text's report year, so a text carried into the next year cites that
  year's numbers;
- `letztes` cites the latest year up to the report year with a published value, and the rendered
  number says which year it is ("7,4 % (2014)"): a series that ended before the report year (the
  unemployment figures end in 2014) can still be cited in a new year's text;
- the area is a name, code or alias of data/<city>/areas.csv at any level of the hierarchy, or "Stadt" or
  the city's name; without one, the city. A declared level's name may stand before it
  (`{{mh_anteil Stadtteil Kalk}}`); a name that occurs on two levels must have it: without, the
  placeholder is refused with both candidates and their values, never resolved to one of them silently.

This module is the one route from a placeholder to its value, used by the chapter that renders the
text (helpers.sections.commentary), by the check before any kernel starts (names only: `reference`)
and by the build's summary and a release (`citations`: which cite a secret value or none). A name
that does not exist stops with the file, the line, what is offered and the nearest name ("Meinten
Sie Coerde?"); a known placeholder without a value or with a secret one is not an error but a
`Citation` whose `hint` says so: a working build shows it, a release refuses it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from helpers.core import areas, catalogue, formatting, levels, texts
from helpers.core.catalogue import Indicator
from helpers.core.texts import StaffText, TextError
from helpers.disclosure import disclosed

PLACEHOLDER = texts.PLACEHOLDER
#: The word for "the latest year with a published value" in place of a year.
LATEST = "letztes"
USAGE = ("Platzhalter sehen so aus: {{indikator}}, {{indikator jahr}}, {{indikator letztes}}, "
         "{{indikator jahr gebiet}}, {{indikator jahr ebene gebiet}} oder {{indikator:gruppe jahr gebiet}} (ohne "
         "Jahr: das Berichtsjahr; letztes: das letzte Jahr mit veröffentlichtem Wert; die Ebene, z. B. Stadtteil, "
         "wo ein Name auf zwei Ebenen vorkommt)")


@dataclass(frozen=True)
class Reference:
    """A placeholder's names, checked against the catalogue and the areas (no values looked at yet)."""

    written: str  # as typed, e.g. "{{mv_anteil Coerde}}"
    path: str
    line: int
    indicator: Indicator
    group: str
    year: int | None  # None with `letztes`
    report_year: int
    level: str
    code: str
    area_name: str

    @property
    def latest(self) -> bool:
        return self.year is None

    def where(self) -> str:
        return f"{self.path}, Zeile {self.line}"


@dataclass(frozen=True)
class Citation:
    """A placeholder resolved to its published cell (or to none)."""

    reference: Reference
    year: int | None  # the year cited (with `letztes`: the one found; None when no year has a value)
    value: float | None
    flag: str
    secret: bool  # the disclosure rule hides the cited cell
    years_with_values: tuple[int, ...]  # years up to the report year with a published value
    cell: pd.DataFrame = field(repr=False, compare=False, default_factory=pd.DataFrame)

    @property
    def missing(self) -> bool:
        """No value to show: the series has none for that year (not a secret one)."""
        return self.value is None and not self.secret

    def rendered(self) -> str:
        """The value as the report shows it: "23,2 %", "4,2 % r", "." (secret or missing); with
        `letztes` followed by its year: "7,4 % (2014)"."""
        ind = self.reference.indicator
        shown = formatting.with_unit(self.value, ind.unit, flag=self.flag or ("." if self.value is None else ""))
        return f"{shown} ({self.year})" if self.reference.latest and self.year is not None and self.value is not None else shown

    def hint(self) -> str | None:
        """What a reader would miss (German; the caller names file and line), or None when the placeholder
        shows a value."""
        ref = self.reference
        what = f"{ref.written} („{ref.indicator.name}“, {ref.area_name}"
        what += f", {catalogue.GROUP_LABELS.get(ref.group, ref.group)})" if ref.group != "total" else ")"
        if self.secret:
            return (f"{what} steht für einen Wert, den die Geheimhaltungsregel nicht veröffentlicht "
                    f"({self.year}); im Bericht stünde nur das Zeichen „.“. Bitte den Satz ohne diesen Wert schreiben "
                    "oder ein größeres Gebiet zitieren.")
        if self.missing:
            years = _years_text(self.years_with_values)
            cited = f"{self.year}" if self.year is not None else f"bis {ref.report_year}"
            offer = (f"Werte gibt es für {years}; z. B. {{{{{_inner_with_latest(ref)}}}}} zitiert das letzte Jahr "
                     "mit Wert") if self.years_with_values else "für dieses Gebiet und diese Gruppe gibt es keinen Wert"
            return f"{what} hat für {cited} keinen Wert (im Bericht: „.“). {offer}."
        return None


def _years_text(years: tuple[int, ...]) -> str:
    """'2006–2014' for a run of years, else the runs joined: '2006–2010, 2012'."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _inner_with_latest(ref: Reference) -> str:
    indicator = ref.indicator.id + (f":{ref.group}" if ref.group != "total" else "")
    area = "" if ref.level == levels.CITY else f" {ref.area_name}"
    return f"{indicator} {LATEST}{area}"


def _error(path: str, line: int, message: str) -> TextError:
    return TextError(f"{path}, Zeile {line}: {message}")


def _suggest(wanted: str, offered: list[str]) -> str:
    near = difflib.get_close_matches(wanted, offered, n=1, cutoff=0.6)
    if not near:
        near = [o for o in offered if o.casefold() == wanted.casefold()]
    return f" Meinten Sie {near[0]}?" if near else ""


def is_year(word: str) -> bool:
    return word.isdigit() and len(word) == 4 and 1900 <= int(word) <= 2100


def area_table() -> pd.DataFrame:
    """The areas a text can name: every level of the hierarchy (not other levels such as Stadtzellen),
    with their names and aliases as one list each (column `names`)."""
    table = areas.areas()
    table = table[table["level"].isin(levels.hierarchy().codes)].copy()
    aliases = table["aliases"].fillna("").astype(str) if "aliases" in table else pd.Series("", index=table.index)
    table["names"] = [[n for n in [name, *alias.split("|")] if n]
                      for name, alias in zip(table["name"].astype(str), aliases)]
    return table


def find_area(name: str) -> list[tuple[str, str, str]]:
    """(level, code, name) of every area of the hierarchy called `name` (name, alias or code; "Stadt"
    and the city's name for the city), smallest level first."""
    wanted = name.casefold()
    city = areas.city()
    if wanted in ("stadt", str(city.short).casefold()):
        return [(levels.CITY, str(city.code), str(city.short))]
    table = area_table()
    hits = table[table["names"].apply(lambda names: wanted in {n.casefold() for n in names})
                 | (table["code"].astype(str) == name)]
    order = {code: i for i, code in enumerate(levels.hierarchy().codes)}
    return sorted(((str(r.level), str(r.code), str(r.name)) for r in hits.itertuples()), key=lambda a: order.get(a[0], 99))


def reference(text: StaffText, line: int, inner: str) -> Reference:
    """The placeholder `{{inner}}` on `line` of `text`, its names checked; stops with file, line and what is meant."""
    path = str(text.path)
    written = f"{{{{{inner}}}}}"
    parts = inner.split()
    if not parts:
        raise _error(path, line, f"{written} ist kein gültiger Platzhalter. {USAGE}.")
    cat = catalogue.load()
    indicator_id, _, group = parts[0].partition(":")
    known = [i.id for i in cat.indicators]
    if indicator_id not in known:
        raise _error(path, line, f"Indikator {indicator_id!r} ist im Katalog unbekannt.{_suggest(indicator_id, known)} {USAGE}.")
    ind = cat.indicator(indicator_id)
    group = group or "total"
    groups = ["total", *ind.group_values]
    if group not in groups:
        raise _error(path, line, f"„{ind.name}“ hat keine Gruppe {group!r}; möglich: {', '.join(groups)}."
                                 f"{_suggest(group, groups)}")
    rest = parts[1:]
    year: int | None = text.year
    if rest and (is_year(rest[0]) or rest[0].casefold() == LATEST):
        year = None if rest[0].casefold() == LATEST else int(rest[0])
        rest = rest[1:]
    if year is not None and year > text.year:
        raise _error(path, line, f"{written}: {year} liegt nach dem Berichtsjahr {text.year}.")
    level, code, area_name = levels.CITY, str(areas.city().code), str(areas.city().short)
    if rest:
        found, name, said = _named_area(rest)
        if not found:
            offered = sorted({n for names in area_table()["names"] for n in names})
            raise _error(path, line, f"Gebiet {name!r} ist {f'als {said} ' if said else ''}unbekannt."
                                     f"{_suggest(name, offered)} Gemeint ist ein Name oder Schlüssel aus "
                                     "data/<stadt>/areas.csv oder 'Stadt', davor wahlweise die Ebene "
                                     f"({', '.join(lv.name for lv in levels.hierarchy().levels)}).")
        if len(found) > 1:
            raise _error(path, line, _ambiguous(written, parts, name, found, text, ind, group, year))
        level, code, area_name = found[0]
    return Reference(written, path, line, ind, group, year, text.year, level, code, area_name)


def _level_words() -> dict[str, str]:
    """The words a placeholder may name a level with (casefolded): each declared level's name, plural and
    code ("Stadtteil", "Stadtteile", "stadtteil") -> its code."""
    words = {}
    for lv in levels.hierarchy().levels:
        for word in (lv.name, lv.plural, lv.code):
            words[word.casefold()] = lv.code
    return words


def _named_area(words: list[str]) -> tuple[list[tuple[str, str, str]], str, str]:
    """The areas `words` name, the name itself and the level said before it ("" if none): "Stadtteil Kalk"
    names the Stadtteil only; a name that itself begins with a level word is still found as a whole."""
    whole = " ".join(words)
    known = _level_words()
    for size in range(len(words) - 1, 0, -1):
        level = known.get(" ".join(words[:size]).casefold())
        if level is None:
            continue
        name = " ".join(words[size:])
        hits = [hit for hit in find_area(name) if hit[0] == level]
        if hits or not find_area(whole):
            return hits, name, levels.hierarchy().level(level).name
    return find_area(whole), whole, ""


def _ambiguous(written: str, parts: list[str], name: str, found: list[tuple[str, str, str]], text: StaffText,
               ind: Indicator, group: str, year: int | None) -> str:
    """Why a name on two levels (or two areas of one name) is refused: each candidate with its value, and the
    placeholders that say which is meant ("bitte {{mh_anteil Stadtteil Kalk}} oder … schreiben")."""
    hierarchy = levels.hierarchy()
    head = parts[: len(parts) - len(name.split())]
    by_level = len({level for level, _, _ in found}) == len(found)
    shown, offered = [], []
    for level, code, _ in found:
        word = hierarchy.level(level).name
        ref = Reference(written, str(text.path), 0, ind, group, year, text.year, level, code, name)
        try:
            value = f" ({resolve(ref).rendered()})"
        except (TextError, ValueError, LookupError, OSError):
            value = ""
        shown.append(f"{word}{value}" if by_level else f"{word} {code}{value}")
        offered.append("{{" + " ".join([*head, word, name] if by_level else [*head, code]) + "}}")
    listed = f"{', '.join(shown[:-1])} und {shown[-1]}"
    return (f"{written}: {name} ist {listed} — bitte {' oder '.join(offered)} schreiben "
            f"(ein Name, den es auf {'zwei Ebenen' if by_level else 'zweimal'} gibt, braucht die Ebene"
            f"{'' if by_level else ' oder den Schlüssel'}).")


def references(text: StaffText) -> list[Reference]:
    """Every placeholder of a text, its names checked (the check before any kernel starts)."""
    found = []
    for offset, line in enumerate(text.body.splitlines()):
        for match in PLACEHOLDER.finditer(line):
            found.append(reference(text, text.first_line + offset, match.group("inner")))
    return found


def resolve(ref: Reference) -> Citation:
    """The published cell a reference cites (or the reason there is none)."""
    try:
        values = disclosed.values(ref.indicator, ref.level)
    except ValueError:
        raise _error(ref.path, ref.line, f"„{ref.indicator.name}“ gibt es nicht auf der Ebene "
                                         f"{levels.hierarchy().level(ref.level).name} ({ref.area_name}).") from None
    series = values[(values["area_code"].astype(str) == ref.code) & (values["group"] == ref.group)
                    & (values["year"] <= ref.report_year)]
    published = series[series["value"].notna()]
    with_values = tuple(sorted(int(y) for y in published["year"].unique()))
    year = ref.year
    if year is None:  # letztes: the latest published year, else the latest with any (secret) cell
        if with_values:
            year = with_values[-1]
        else:
            secret = series[series["suppressed"].ne("")]
            year = int(secret["year"].max()) if len(secret) else None
    cell = series[series["year"] == year] if year is not None else series.iloc[0:0]
    if cell.empty:
        return Citation(ref, year, None, "", False, with_values, cell)
    row = cell.iloc[0]
    value = None if pd.isna(row["value"]) else float(row["value"])
    return Citation(ref, year, value, str(row["flag"] or ""), str(row["suppressed"] or "") != "", with_values, cell)


def citations(text: StaffText) -> list[Citation]:
    """Every placeholder of a text, resolved."""
    return [resolve(ref) for ref in references(text)]
