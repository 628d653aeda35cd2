"""A profile of one area of the base level: its published values, rank, trend, neighbours in values, texts.

Every number comes from the frame the build exported as its indicator tables
(helpers.runner.release.export_tables, i.e. helpers.disclosure.disclosed.table_frame): disclosed,
rounded as published, secret cells without a value. Nothing is recomputed from counts; a rank and the
similar areas are computed from those published values only, so they reveal nothing the tables do
not. helpers.publish.profiles renders what this module assembles; the disclosure checker reads the
pages back (helpers.disclosure.profile_numbers).

- Rows: every indicator and group the tables publish at the base level, in catalogue (Handlungsfeld)
  order, for the report year; a series that ends earlier shows its last year with values, marked.
- Rank: among the base areas with a published value that year, the highest value first; equal values
  (as published, one decimal) share a rank ("1, 2, 2, 4"); secret or missing values take no rank.
- Similar areas: z-scores per indicator and group over the base areas with a published value in the
  year the profile shows (the report year, or the last year of a series that ended); the distance of
  two areas is the Euclidean distance over the indicators published for both, divided by the square
  root of their number (so areas with gaps compare fairly), and only pairs sharing at least half of
  the area's indicators count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core import areas, catalogue, formatting, levels
from helpers.sections import lookback

#: How many similar areas a profile names.
SIMILAR = 5
#: The share of an area's indicators another area must share to be compared with it.
MIN_SHARED = 0.5
#: Separates the parts of a cell's key in the pages (indicator|level|code|year|group).
KEY_SEP = "|"


@dataclass(frozen=True)
class Cell:
    """One published cell as the tables have it: its key, value (None: secret or missing) and flag."""

    indicator: str
    level: str
    code: str
    year: int
    group: str
    value: float | None
    flag: str
    unit: str

    @property
    def key(self) -> str:
        return KEY_SEP.join((self.indicator, self.level, self.code, str(self.year), self.group))

    @property
    def row_key(self) -> str:
        """The key without its year (indicator|level|code|group): a series' cells share it."""
        return KEY_SEP.join((self.indicator, self.level, self.code, self.group))

    @property
    def text(self) -> str:
        """As the report shows it: "53,1 %", "4,2 % r", "." (secret or missing, or its official symbol)."""
        return formatting.with_unit(self.value, self.unit, flag=self.flag or ("." if self.value is None else ""))

    @property
    def data_value(self) -> str:
        """The machine-readable value (HTML `<data value>`): the published value with a dot, "" without one."""
        return "" if self.value is None else repr(round(self.value, 1))


@dataclass(frozen=True)
class Rank:
    """The area's place among the base areas with a published value (1 = highest)."""

    position: int
    of: int
    key: str  # indicator|level|code|year|group of the area's cell

    @property
    def text(self) -> str:
        return f"Rang {self.position} von {self.of}"


@dataclass(frozen=True)
class Row:
    """One indicator (and group) of a profile."""

    indicator: str
    name: str
    group: str
    group_label: str
    unit: str
    synthetic: bool
    series_break: bool
    year: int  # the year shown: the report year, or the last year with values of a series that ended
    area: Cell
    parent: Cell | None
    city: Cell | None
    rank: Rank | None
    trend: tuple[Cell | None, ...]  # one per year of the look back (None: no row in the tables)


def label_key(row: Row) -> str:
    """The key of a row's label (indicator|group) for helpers.disclosure.profile_numbers.row_label."""
    return f"{row.indicator}{KEY_SEP}{row.group}"


@dataclass(frozen=True)
class Similar:
    code: str
    name: str
    shared: int  # indicators compared


@dataclass
class Profile:
    """Everything one profile page shows."""

    code: str
    name: str
    level_name: str
    parent_level: str  # the largest declared level's name (Stadtbezirk), "" without one
    parent_name: str
    year: int
    years: tuple[int, ...]
    fields: list[tuple[str, list[Row]]] = field(default_factory=list)  # (Handlungsfeld name, its rows)
    similar: list[Similar] = field(default_factory=list)
    compared: int = 0  # indicators the similarity uses (those of the report year)
    similar_synthetic: bool = False  # demo data among them
    values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # the area's rows of the tables

    @property
    def rows(self) -> list[Row]:
        return [row for _, rows in self.fields for row in rows]


def _cell(row: dict, unit: str) -> Cell:
    value = None if row["value"] is None else float(row["value"])
    return Cell(str(row["indicator"]), str(row["area_level"]), str(row["area_code"]), int(row["year"]), str(row["group"]),
                value, str(row["flag"] or ""), unit)


def _plain(column: pd.Series) -> list:
    """A column as Python objects, None for a missing value (iterating pandas' nullable arrays is slow)."""
    values = column.to_numpy(dtype=object)
    missing = column.isna().to_numpy()
    return [None if gone else value for value, gone in zip(values.tolist(), missing.tolist())]


def parent_level() -> levels.Level | None:
    """The level a profile compares with beside the city: the largest declared one above the base."""
    h = levels.hierarchy()
    return h.levels[-1] if len(h.levels) > 1 else None


class Tables:
    """The exported frame, indexed once for all profiles of a build."""

    def __init__(self, table: pd.DataFrame, year: int) -> None:
        h = levels.hierarchy()
        self.year = year
        self.base = h.base.code
        frame = table.copy()
        frame["area_code"] = frame["area_code"].astype(str)
        frame["year"] = frame["year"].astype(int)
        frame["flag"] = frame["flag"].fillna("").astype(str)
        self.frame = frame
        # the look back's years the tables hold: not an earlier year they keep for a series that ended before it
        # (a map of another level links to it), which would put an empty year into every trend
        in_tables, (first, _) = set(frame["year"]), lookback.window(year)
        self.years = tuple(y for y in range(first, year + 1) if y in in_tables or y == year)
        base = frame[frame["area_level"] == self.base]
        self.base_rows = base
        plain = {c: _plain(frame[c]) for c in frame.columns}
        rows = [dict(zip(plain, values)) for values in zip(*plain.values())]
        self.cells = {(r["indicator"], r["area_level"], r["area_code"], r["year"], r["group"]): r for r in rows}
        cat = catalogue.load()
        order = {ind.id: i for i, ind in enumerate(cat.indicators)}
        combos = base[["handlungsfeld", "handlungsfeld_name", "indicator", "group"]].drop_duplicates()
        combos = combos.assign(_ind=combos["indicator"].map(order), _grp=combos["group"].ne("total"))
        self.combos = combos.sort_values(["_ind", "_grp"], kind="stable")
        self.units = {ind.id: ind.unit for ind in cat.indicators}
        self.names = {ind.id: ind.name for ind in cat.indicators}
        self.shown_year = self._shown_years(base)
        self.ranks = self._ranks(base)
        self.ancestors = areas.ancestors()
        self.city_code = areas.city().code

    def _shown_years(self, base: pd.DataFrame) -> dict[tuple[str, str], int]:
        """(indicator, group) -> the year a profile shows: the report year if the tables publish a base value for
        it, else the last year with a published base value (a series that ended earlier)."""
        out = {}
        for (ind, grp), rows in base.groupby(["indicator", "group"], sort=False):
            published = set(rows.loc[rows["value"].notna(), "year"])
            out[(ind, grp)] = self.year if self.year in published or not published else int(max(published))
        return out

    def _ranks(self, base: pd.DataFrame) -> dict[tuple[str, str, str], tuple[int, int]]:
        """(indicator, group, code) -> (rank, areas ranked) in the shown year: competition ranking, highest first."""
        out = {}
        for (ind, grp), rows in base.groupby(["indicator", "group"], sort=False):
            shown = rows[(rows["year"] == self.shown_year[(ind, grp)]) & rows["value"].notna()]
            values = shown["value"].astype(float)
            ranks = values.rank(method="min", ascending=False).astype(int)
            for code, rank in zip(shown["area_code"], ranks):
                out[(ind, grp, code)] = (int(rank), len(shown))
        return out

    def get(self, ind: str, level: str, code: str, year: int, group: str) -> Cell | None:
        row = self.cells.get((ind, level, code, year, group))
        return _cell(row, self.units.get(ind, "")) if row is not None else None


def _row(t: Tables, combo, code: str, parent: str | None, top: levels.Level | None) -> Row | None:
    ind, grp = combo.indicator, combo.group
    year = t.shown_year[(ind, grp)]
    area = t.get(ind, t.base, code, year, grp)
    if area is None:
        return None
    rank = t.ranks.get((ind, grp, code))
    source = t.cells[(ind, t.base, code, year, grp)]
    return Row(ind, t.names.get(ind, ind), grp, str(source["group_label"]), t.units.get(ind, ""), bool(source["synthetic"]),
               bool(source["series_break"]), year, area,
               t.get(ind, top.code, parent, year, grp) if top is not None and parent else None,
               t.get(ind, levels.CITY, t.city_code, year, grp),
               Rank(rank[0], rank[1], area.key) if rank else None,
               tuple(t.get(ind, t.base, code, y, grp) for y in t.years))


def similarity_matrix(t: Tables) -> pd.DataFrame:
    """z-scores of the published base values of each row's shown year (the report year, or the last year of a
    series that ended): one row per area, one column per indicator and group."""
    rows = t.base_rows
    shown = pd.Series([t.shown_year[(i, g)] for i, g in zip(rows["indicator"], rows["group"])], index=rows.index)
    now = rows[(rows["year"] == shown) & rows["value"].notna()]
    wide = now.pivot_table(index="area_code", columns=["indicator", "group"], values="value", aggfunc="first")
    wide = wide.astype(float)
    spread = wide.std(ddof=0)
    wide = wide.loc[:, spread > 0]
    return (wide - wide.mean()) / wide.std(ddof=0)


def distances(z: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(distance, indicators shared) between every two areas of `z` (see the module docstring); the
    distance is NaN where a pair shares fewer than MIN_SHARED of the row area's indicators."""
    values = z.to_numpy(dtype=float)
    have = ~np.isnan(values)
    filled = np.where(have, values, 0.0)
    both = have[:, None, :] & have[None, :, :]
    shared = both.sum(axis=2)
    squares = np.where(both, (filled[:, None, :] - filled[None, :, :]) ** 2, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.sqrt(squares / shared)
    needed = np.maximum(1, np.ceil(MIN_SHARED * have.sum(axis=1)))
    distance[shared < needed[:, None]] = np.nan
    np.fill_diagonal(distance, np.nan)
    return distance, shared


def similar_areas(z: pd.DataFrame, found: tuple[np.ndarray, np.ndarray], code: str, names: dict[str, str],
                  n: int = SIMILAR) -> list[Similar]:
    """The `n` nearest areas to `code` by `found` (distances), ties by code."""
    if code not in z.index:
        return []
    distance, shared = found
    i = z.index.get_loc(code)
    order = sorted((float(d), str(c), int(k)) for d, c, k in zip(distance[i], z.index, shared[i]) if not np.isnan(d))
    return [Similar(c, names.get(c, c), k) for _, c, k in order[:n]]


def profiles(t: Tables) -> list[Profile]:
    """One profile per area of the base level, from the exported tables `t` (Tables of the frame and report year)."""
    year = t.year
    h = levels.hierarchy()
    top = parent_level()
    names = areas.area_names(t.base)
    top_names = areas.area_names(top.code) if top is not None else {}
    z = similarity_matrix(t)
    near = distances(z)
    marked = [bool(v) for v in t.base_rows["synthetic"]]  # not itertuples over every column of the base rows
    synthetic_cols = set(zip(t.base_rows["indicator"][marked], t.base_rows["group"][marked]))
    out = []
    for code, name in sorted(names.items(), key=lambda item: item[1]):
        parent = None
        if top is not None and code in t.ancestors.index and top.code in t.ancestors.columns:
            found = t.ancestors.loc[code, top.code]
            parent = None if pd.isna(found) else str(found)
        fields: dict[str, list[Row]] = {}
        for combo in t.combos.itertuples(index=False):
            row = _row(t, combo, code, parent, top)
            if row is not None:
                fields.setdefault(str(combo.handlungsfeld_name), []).append(row)
        mine = t.frame[(t.frame["area_level"] == t.base) & (t.frame["area_code"] == code)]
        profile = Profile(code, name, h.base.name, top.name if top else "", top_names.get(parent, "") if parent else "",
                          year, t.years, list(fields.items()), similar_areas(z, near, code, names), int(z.shape[1]),
                          any(col in synthetic_cols for col in z.columns), mine.reset_index(drop=True).astype(object))
        out.append(profile)
    return out


# --- the staff's texts that name an area -----------------------------------------------------------

@dataclass(frozen=True)
class ProfileText:
    """A staff text of the report year that names the area: its label, file and HTML (cited values as cells)."""

    label: str
    file: str  # relative to the city's data folder, e.g. texte/2019/indikatoren/mv_anteil.md
    html: str
    cells: tuple[Cell, ...]


_TOKEN = "\u2063{}\u2063"  # an invisible separator around a placeholder's number while Markdown renders


def _cited(t: Tables, ref) -> Cell:
    """The cell a placeholder cites, from the exported tables (as helpers.disclosure.citations.resolve decides it:
    `letztes` the latest year up to the report year with a published value); a year before the tables' first
    year from the disclosed values."""
    from helpers.disclosure import citations

    unit = ref.indicator.unit
    year = ref.year
    if year is None:
        years = [y for y in t.years if y <= ref.report_year and (c := t.get(ref.indicator.id, ref.level, ref.code, y, ref.group))
                 is not None and c.value is not None]
        year = years[-1] if years else None
    found = t.get(ref.indicator.id, ref.level, ref.code, year, ref.group) if year is not None else None
    if found is not None or (year is not None and year in t.years):
        return found or Cell(ref.indicator.id, ref.level, ref.code, year, ref.group, None, ".", unit)
    resolved = citations.resolve(ref)
    value = None if resolved.value is None else round(float(resolved.value), 1)
    return Cell(ref.indicator.id, ref.level, ref.code, int(resolved.year or ref.report_year), ref.group, value,
                resolved.flag or ("." if value is None else ""), unit)


#: The label of a text's box, by its place (as helpers.sections.commentary labels it in the report).
LABELS = {"einleitung": "Einleitung", "handlungsfeld": "Einordnung", "empfehlungen": "Handlungsempfehlungen",
          "indikator": "Einordnung"}


def _label(text) -> str:
    label = LABELS[text.place] + (f" ({text.author})" if text.author else "")
    if text.draft:
        label += " – ENTWURF, nicht freigegeben"
    return label + (" – Beispieltext der Demodaten" if text.example else "")


def _text_html(t: Tables, text) -> tuple[str, tuple[Cell, ...]]:
    """The text as HTML (raw HTML escaped, as in the report), every placeholder as a `<data>` cell the checker
    can read."""
    import html as html_lib

    import mistune

    from helpers.disclosure import citations

    cells: list[Cell] = []
    lines = []
    for offset, line in enumerate(text.body.splitlines()):
        def swap(match, number: int = text.first_line + offset) -> str:
            ref = citations.reference(text, number, match.group("inner"))
            cell = _cited(t, ref)
            cells.append(cell)
            latest = f" ({cell.year})" if ref.latest and cell.value is not None else ""
            return _TOKEN.format(len(cells) - 1) + latest
        lines.append(citations.PLACEHOLDER.sub(swap, line))
    body = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])("\n".join(lines))
    for i, cell in enumerate(cells):
        tag = (f'<data value="{cell.data_value}" data-cell="{html_lib.escape(cell.key)}">'
               f"{html_lib.escape(cell.text)}</data>")
        body = body.replace(_TOKEN.format(i), tag)
    return body, tuple(cells)


def texts_naming(t: Tables) -> dict[str, list[ProfileText]]:
    """Base area code -> the year's staff texts that name it: a placeholder citing it, or its name (or an
    alias) in the text as the text check reads area names (helpers.disclosure.number_places)."""
    from helpers.core import texts as staff_texts
    from helpers.disclosure import citations, number_places

    cat = catalogue.load()
    base = levels.hierarchy().base.code
    names = number_places.area_names()
    pattern = number_places.mention_pattern(names)  # once, not once per text
    out: dict[str, list[ProfileText]] = {}
    for text in staff_texts.load(t.year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators}):
        named = {ref.code for ref in citations.references(text) if ref.level == base}
        plain = citations.PLACEHOLDER.sub(" ", text.body)
        for mention in number_places.mentions(plain, names, pattern):
            named |= {code for level, code, _ in mention.areas if level == base}
        if not named:
            continue
        body, cells = _text_html(t, text)
        item = ProfileText(_label(text), staff_texts.data_relative(text), body, cells)
        for code in sorted(named):
            out.setdefault(code, []).append(item)
    return out
