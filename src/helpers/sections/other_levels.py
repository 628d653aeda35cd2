"""An indicator on a level beside the hierarchy (Münster's Kommunalwahlbezirke): its map, its lowest and
highest areas, and which base areas are about one of its areas.

The areas of such a level do not nest in the base level (a ward of a council election is not a
Stadtteil), so no base-area value is computed from them. What the section says instead is which
base areas cover about the same ground as one area of the level: both lie at least `threshold`
of their area inside the other (helpers.core.overlap). Only for these can the level's value be read
as an approximation for the base area; the section names them and shows their values, and says
that area is a crude proxy for where people live.

    >>> from helpers.sections import other_levels
    >>> section = other_levels.level_section("ratswahl_wahlbeteiligung", 2009, "kommunalwahlbezirk")
    >>> sorted(section.tables)
    ['entsprechungen', 'karte', 'text']
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, formatting, levels, overlap
from helpers.disclosure import disclosed
from helpers.sections.blocks import level_map
from helpers.sections.html_tables import table_html
from helpers.sections.selection import value_at
from helpers.sections.shown import Record, Shown

#: A base area is "about one" area of the other level when each lies at least this share (by area) in the other.
THRESHOLD = 0.9


def _percent(share: float, decimals: int = 0) -> str:
    return formatting.with_unit(100 * share, "%", decimals)


def _named(row: pd.Series) -> str:
    return f"{row['area_code']} {row['area_name']}"


def level_section(indicator_id: str, report_year: int, level: str, threshold: float = THRESHOLD) -> Shown:
    """Map of the indicator by areas of `level` (its latest year up to `report_year`), a sentence with
    the lowest and highest area and the city, and the table of base areas that are about one area.

    `tables`: "karte" (the mapped cells), "text" (the cells the sentence cites), "entsprechungen"
    (the matching pairs with their area shares and the value of the area of `level`).
    """
    ind = catalogue.load().indicator(indicator_id)
    h = levels.hierarchy()
    if level not in h.with_boundaries:  # e.g. a city without this level (a copy of the chapters)
        return Shown(ind.name).markdown(f"*Für „{ind.name}“ gibt es in dieser Gebietsgliederung keine Karte der "
                                        f"Ebene „{level}“.*")
    shown_level, base = h.level(level), h.base
    result = Shown(f"{ind.name} nach {shown_level.dative}")
    mapped = level_map(indicator_id, report_year, level)
    result.add(mapped)
    if "karte" not in mapped.tables:
        return result
    cells = result.table("karte", mapped.tables["karte"])
    year = int(cells["year"].iloc[0])
    _add_extremes(result, ind, cells, year, shown_level)
    _add_matches(result, ind, cells, year, shown_level, base, threshold)
    return result


def _add_extremes(result: Shown, ind: catalogue.Indicator, cells: pd.DataFrame, year: int,
                  shown_level: levels.Level) -> None:
    """The sentence naming the lowest and the highest area and the city's value, recording those cells."""
    known = cells.dropna(subset=["value"]).sort_values(["value", "area_code"])
    if known.empty:
        return
    city = disclosed.values(ind, levels.CITY)
    city_cells = city[(city["year"] == year) & (city["group"] == "total")]
    low, high = known.iloc[0], known.iloc[-1]
    text = (f"{ind.name} {year} nach {shown_level.dative}: am niedrigsten im {shown_level.name} {_named(low)} "
            f"({formatting.with_unit(low['value'], ind.unit, flag=low['flag'])}), am höchsten in {_named(high)} "
            f"({formatting.with_unit(high['value'], ind.unit, flag=high['flag'])})")
    city_value = value_at(city, year)
    if city_value is not None:
        text += f"; {areas.city().short} insgesamt: {formatting.with_unit(city_value, ind.unit)}"
    shown = result.table("text", pd.concat([known.iloc[[0, -1]], city_cells], ignore_index=True))
    result.markdown(result.sentence(f"{text}."), records=[Record(shown, "Text")])


def _add_matches(result: Shown, ind: catalogue.Indicator, cells: pd.DataFrame, year: int,
                 shown_level: levels.Level, base: levels.Level, threshold: float) -> None:
    """The base areas that are about one area of the level, with that area's value; the others named as none."""
    pairs = overlap.matching(base.code, shown_level.code, threshold)
    n_base = len(areas.area_names(base.code))
    limit = _percent(threshold)
    rule = (f"Ein {base.name} gilt hier als annähernd gleich einem {shown_level.name}, wenn mindestens {limit} "
            f"seiner Fläche im {shown_level.name} liegen und mindestens {limit} der Fläche des {shown_level.name}s "
            f"im {base.name}.")
    if pairs.empty:
        result.markdown(result.sentence(f"{rule} Das trifft auf keinen der {n_base} {base.plural} zu; "
                                        f"Werte für {base.plural} werden deshalb nicht angegeben."))
        return
    values = cells.set_index("area_code")
    shown = result.table("entsprechungen", pd.DataFrame({
        base.name: pairs["code"] + " " + pairs["name"],
        shown_level.name: pairs["other_code"] + " " + pairs["other_name"],
        f"Anteil der Fläche des {base.name}s im {shown_level.name}": pairs["share_of_area"].to_numpy(),
        f"Anteil der Fläche des {shown_level.name}s im {base.name}": pairs["share_of_other"].to_numpy(),
        "value": pairs["other_code"].map(values["value"]).to_numpy(),
        "flag": pairs["other_code"].map(values["flag"]).to_numpy(),
    }))
    named = ", ".join(shown[base.name].str.split(" ", n=1).str[1])
    result.markdown(result.sentence(
        f"{rule} Das trifft auf {len(pairs)} der {n_base} {base.plural} zu ({named}); nur für sie lässt sich der "
        f"Wert des {shown_level.name}s als Näherung für den {base.name} lesen. Die übrigen {n_base - len(pairs)} "
        f"{base.plural} erhalten keinen Wert: Ihre Fläche verteilt sich auf mehrere {shown_level.plural}, oder ein "
        f"{shown_level.name} umfasst mehrere {base.plural}. Flächenanteile sind nur ein grober Ersatz für Anteile an "
        "den Menschen, die dort wohnen: In Gebieten mit Feldern, Wald oder Gewerbe verteilen sie sich nicht "
        "gleichmäßig über die Fläche."))
    table = shown.drop(columns=["value", "flag"]).copy()
    for column in table.columns[2:]:
        table[column] = [_percent(v, 1) for v in table[column]]
    table[f"{ind.name} im {shown_level.name}, {year}"] = [formatting.with_unit(v, ind.unit, flag=f or "")
                                                          for v, f in zip(shown["value"], shown["flag"])]
    caption = f"{base.plural}, die annähernd einem {shown_level.name} entsprechen (Schwelle: {limit} der Fläche)"
    records = [Record(cells[cells["area_code"].isin(pairs["other_code"])], "Tabelle")]
    result.html(table_html(table, caption, f"{ind.source}; Flächen aus den Grenzen der {base.plural} und "
                                           f"{shown_level.plural}"), records=records)
