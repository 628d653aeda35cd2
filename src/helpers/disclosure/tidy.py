"""Tidy indicator data in one or two lines: any indicator, group, level and years, published or stored.

The one documented way to get indicator values as a long DataFrame (one row per indicator,
group, year and area) for own analyses, and to write it as a CSV that pandas and R read
without this package::

    >>> from helpers.disclosure import tidy
    >>> df = tidy.indicators(["alo_dichte:foreign", "mv_anteil"], level="stadtteil",
    ...                      years=range(2010, 2015), disclosed=True)      # doctest: +SKIP
    >>> tidy.to_csv(df, "alo_mv.csv")                                      # doctest: +SKIP

An indicator is named by its catalogue id, a group by `id:group` ("alo_dichte:foreign" is
the unemployment density of foreigners); a bare id means the group total, `id:*` every group
of the indicator. Groups may be mixed freely.

`disclosed=True` (the default) gives the values as the report publishes them: after primary
and secondary suppression (helpers.disclosure.disclosed), suppressed cells <NA> with flag
".", at full precision (the report rounds to one decimal when it shows them), without
numerators and denominators (counts of 1 or 2 could be read from them). `disclosed=False`
gives the complete stored values with numerator and denominator: for analysis inside the
office only, never for publication.

Every value carries `series_break`: True in the first year after a break in the series that the
catalogue declares (`breaks`, e.g. mv_anteil 2011: register count instead of the census update),
so a comparison across that year is not mistaken for a change on the ground.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import catalogue, levels
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.core.fileio import write_text_atomic
from helpers.disclosure import disclosed as disclosed_values

#: Separates indicator id and group in a specification ("alo_dichte:foreign").
SEPARATOR = ":"
#: Group wildcard: every group of the indicator ("alo_dichte:*").
ALL_GROUPS = "*"
#: Columns of a disclosed (published) frame, in order.
DISCLOSED_COLUMNS = ["indicator", "group", "year", "area_level", "area_code", "area_name", "value", "flag",
                     "series_break", "synthetic"]
#: Columns of a stored (complete) frame: the published ones plus the counts behind each value.
STORED_COLUMNS = ["indicator", "group", "year", "area_level", "area_code", "area_name", "value", "flag",
                  "series_break", "numerator", "denominator", "synthetic"]
#: Leading characters a spreadsheet may run as a formula (OWASP CSV injection); such text gets a "'".
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TidyError(ValueError):
    """A request for tidy data that cannot be answered; the German message names what is possible."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows only this message, no traceback: the message says everything a user can act on."""
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class Spec:
    """One indicator with one group, e.g. `Spec(<alo_dichte>, "foreign")`.

    `key` is the text form ("alo_dichte:foreign"; a bare id for the total), used as column
    name in wide tables; `label` the German label naming the group.
    """

    indicator: Indicator
    group: str = "total"

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def key(self) -> str:
        return self.id if self.group == "total" else f"{self.id}{SEPARATOR}{self.group}"

    @property
    def group_label(self) -> str:
        return GROUP_LABELS.get(self.group, self.group)

    def label(self, with_group: bool = True) -> str:
        """German label naming the group, e.g. "Arbeitslose je 100 Einwohner/-innen – Ausländer/-innen"."""
        return f"{self.indicator.name} – {self.group_label}" if with_group else self.indicator.name


def _groups_text(ind: Indicator) -> str:
    return ", ".join(f"{g} ({GROUP_LABELS.get(g, g)})" for g in ["total", *ind.group_values])


def _split(item: object) -> tuple[str, str]:
    if not isinstance(item, str) or not item.strip():
        raise TidyError(f"Indikatorangabe {item!r}: erwartet wird Text der Form 'id' oder 'id:gruppe', "
                        "z. B. 'alo_dichte:foreign'.")
    ind_id, _, group = item.strip().partition(SEPARATOR)
    if SEPARATOR in item and not group.strip():
        raise TidyError(f"Indikatorangabe {item!r}: nach ':' fehlt die Gruppe, z. B. 'alo_dichte:foreign'.")
    return ind_id.strip(), group.strip() or "total"


def specs(items: Iterable[str | Spec] | str | Spec, level: str | None = None) -> list[Spec]:
    """Parse and check indicator specifications for an analysis at `level`.

    Parameters
    ----------
    items : str, Spec or list of them
        "id" (group total), "id:group" or "id:*" (every group of the indicator).
    level : str, optional
        Area level the values are wanted at (default: the base level); an indicator exists at its
        own level and above.

    Returns
    -------
    list of Spec, in the given order (a wildcard expands to total and the compared groups).

    Raises
    ------
    TidyError
        Unknown id (the message lists the ids available at `level`), unknown group (the
        message lists the indicator's groups), an entry given twice.

    Examples
    --------
    >>> [s.key for s in specs(["alo_dichte:foreign", "mv_anteil"])]   # doctest: +SKIP
    ['alo_dichte:foreign', 'mv_anteil']
    """
    if isinstance(items, (str, Spec)):
        items = [items]
    parsed = [(item.id, item.group) if isinstance(item, Spec) else _split(item) for item in items]
    ids = list(dict.fromkeys(i for i, _ in parsed))
    try:
        known = {ind.id: ind for ind in catalogue.load().at_level(ids, levels.base() if level is None else level)}
    except catalogue.CatalogueError as exc:
        raise TidyError(str(exc)) from None
    out: list[Spec] = []
    for ind_id, group in parsed:
        ind = known[ind_id]
        groups = ["total", *ind.group_values]
        if group == ALL_GROUPS:
            out.extend(Spec(ind, g) for g in groups)
            continue
        if group not in groups:
            example = groups[1] if len(groups) > 1 else "total"
            raise TidyError(f"Indikator {ind_id!r} hat keine Gruppe {group!r}; verfügbar: {_groups_text(ind)}. "
                            f"Schreibweise: '{ind_id}' (insgesamt) oder z. B. '{ind_id}{SEPARATOR}{example}'.")
        out.append(Spec(ind, group))
    keys = [s.key for s in out]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise TidyError(f"Indikator(en) doppelt angegeben: {', '.join(dupes)}.")
    return out


def _years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, int):
        return [years]
    return [int(y) for y in years]


def _levels(level: str | Iterable[str] | None) -> list[str]:
    asked = [levels.base()] if level is None else [level] if isinstance(level, str) else list(level)
    order = levels.hierarchy().codes
    unknown = [lvl for lvl in asked if lvl not in order]
    if unknown or not asked:
        raise TidyError(f"Unbekannte Gebietsebene {', '.join(map(repr, unknown)) or '(keine)'}; "
                        f"erlaubt: {', '.join(order)}.")
    return asked


def _one(spec: Spec, level: str, years: list[int] | None, disclosed: bool) -> pd.DataFrame:
    if disclosed:
        frame = disclosed_values.values(spec.indicator, level)
    else:
        frame = disclosed_values.stored(spec.indicator)
        frame = frame[frame["area_level"] == level]
    frame = frame[frame["group"] == spec.group]
    if years is not None:
        frame = frame[frame["year"].isin(years)]
    return frame.assign(series_break=frame["year"].isin(spec.indicator.break_years))


def indicators(items: Iterable[str | Spec] | str | Spec, level: str | Iterable[str] | None = None,
               years: int | Iterable[int] | None = None, disclosed: bool = True) -> pd.DataFrame:
    """Indicator values as one long (tidy) DataFrame: one row per indicator, group, year and area.

    Parameters
    ----------
    items : str, Spec or list of them
        "id", "id:group" or "id:*", e.g. ["alo_dichte:foreign", "mv_anteil"] (see `specs`).
    level : str or list of str
        A level of config/<city>/city.yml (Münster: "stadtteil", "teilbereich", "stadtbezirk") or "stadt",
        or several of them; default the base level.
    years : int, iterable of int or None
        e.g. 2012 or range(2010, 2015); None: every year with data.
    disclosed : bool
        True: the published values (suppressed cells <NA> with flag "."). False: the complete
        stored values with `numerator` and `denominator`, for analysis inside the office only.

    Returns
    -------
    pandas.DataFrame
        Columns DISCLOSED_COLUMNS (or STORED_COLUMNS): indicator, group, year, area_level,
        area_code (text: "05515000" keeps its leading zero), area_name, value (Float64, <NA>
        when missing or suppressed), flag (official symbol, "" for an ordinary value),
        series_break (True for a value of the first year after a break the catalogue declares:
        not directly comparable with the years before; the official symbol is "|"),
        [numerator, denominator,] synthetic (True for demo data). Rows by level (as given),
        then in the order of `items`, then by year and area code.

    Raises
    ------
    TidyError
        Unknown indicator, group or level (the message lists the allowed ones), or no row
        for an indicator in the requested years (the message lists its years).

    Examples
    --------
    >>> df = indicators(["alo_dichte:foreign", "mv_anteil"], years=2012)     # doctest: +SKIP
    >>> df.pivot(index="area_code", columns=["indicator", "group"], values="value")  # doctest: +SKIP
    """
    asked = _levels(level)
    wanted = _years(years)
    columns = DISCLOSED_COLUMNS if disclosed else STORED_COLUMNS
    frames = []
    for lvl in asked:
        for spec in specs(items, lvl):
            frame = _one(spec, lvl, wanted, disclosed)
            if frame.empty:
                every = sorted(int(y) for y in _one(spec, lvl, None, disclosed)["year"].unique())
                raise TidyError(f"Indikator {spec.key!r} hat auf der Ebene {lvl!r} keine Werte in den Jahren "
                                f"{', '.join(map(str, wanted or []))}; Jahre: {', '.join(map(str, every)) or 'keine'}.")
            frames.append(frame.sort_values(["year", "area_code"], kind="stable"))
    out = pd.concat(frames, ignore_index=True)
    out["area_code"] = out["area_code"].astype(str)
    out["flag"] = out["flag"].fillna("").astype(str)
    out["value"] = out["value"].astype("Float64")
    out["series_break"] = out["series_break"].astype(bool)
    out["synthetic"] = out["synthetic"].astype(bool)
    return out[columns]


def _field(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value) + 0.0)  # shortest round-trip form; a zero has no sign
    text = str(value)
    if text == "-":  # the official symbol "exactly zero", never a formula
        return text
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of a tidy frame (see `to_csv`)."""
    missing = [c for c in DISCLOSED_COLUMNS if c not in frame.columns]
    if missing:
        raise TidyError(f"Keine Ausgabe von tidy.indicators(): Spalte(n) {', '.join(missing)} fehlen.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False):
        writer.writerow([_field(v) for v in row])
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write a tidy frame as CSV the way the report's tables CSV is written, atomically.

    UTF-8, comma, dot decimal, full precision, <NA> as an empty field, series_break and
    synthetic as true/false, "\\n" line ends; text a spreadsheet could run as a formula gets a leading "'".
    Area codes are written as they are ("05515000"): read them as text, in pandas with
    `pd.read_csv(path, dtype={"area_code": str})` (or `read_csv` here), in R with
    `readr::read_csv(path, col_types = readr::cols(area_code = "c"))`.
    """
    path = Path(path)
    write_text_atomic(path, csv_text(frame))
    return path


def read_csv(path: Path | str) -> pd.DataFrame:
    """Read a CSV written by `to_csv` (or the report's indikatoren_<year>.csv) with area codes as text."""
    return pd.read_csv(path, dtype={"area_code": str, "flag": str, "group": str}, keep_default_na=False,
                       na_values={"value": [""], "numerator": [""], "denominator": [""]})
