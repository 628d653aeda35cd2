"""The words of the generic chapters (notebooks/generic/): headings and narrative from the city's settings.

A city without notebooks of its own gets chapters whose text no person of that city wrote, so every word
must come from what the city declared: its name (data/<city>/areas.csv), its levels' names and plurals and
its concept (config/<city>/city.yml), the Handlungsfelder's and indicators' names (its catalogue). Nothing
here names a city, a level or a concept of its own; the sections below do the computing.

    >>> from helpers.sections import generic_text
    >>> generic_text.context_opening("kontext")          # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, concept, levels
from helpers.indicators import compute
from helpers.sections.area_statistics import base_level, n_areas
from helpers.sections.shown import Shown
from helpers.stats import spatial


def city_in() -> str:
    """"in <the city>" as a sentence says it: "in der Stadt Musterau" for an official name with "Stadt", else "in Kiel"."""
    name = areas.city().name
    first = name.split(" ", 1)[0]
    return f"in der {name}" if first in ("Stadt", "Hansestadt", "Universitätsstadt") else f"in {name}"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} und {words[-1]}"


def _levels_sentence() -> str:
    """How the city is divided, from its declared levels, smallest first."""
    hierarchy = levels.hierarchy()
    own = [lv for lv in hierarchy.levels if lv.code != levels.CITY]
    counted = [f"{n_areas(lv.code)} {lv.plural}" for lv in own]
    return f"Die Stadt ist in {_listed(counted)} gegliedert." if counted else ""


def indicators_of(hf_id: str) -> list[str]:
    """The ids of the Handlungsfeld's indicators, in the catalogue's order (the chapter's parameter names the field)."""
    return [ind.id for ind in catalogue.load().for_handlungsfeld(hf_id)]


def _heading(title: str, text: str) -> Shown:
    result = Shown(title).markdown(f"# {title}\n\n{text}")
    result.sentence(text)
    return result


def context_opening(hf_id: str) -> Shown:
    """The context chapter's heading and first paragraph: who lives where, in the city's words."""
    hf = catalogue.load().handlungsfeld(hf_id)
    base = levels.hierarchy().base
    names = _listed([f"„{catalogue.load().indicator(i).name}“" for i in indicators_of(hf_id)])
    text = (f"Wer lebt {city_in()}, und wo? Dieses Kapitel beschreibt die Bevölkerung nach dem Merkmal "
            f"{concept.concept()}, wie die Statistik der Stadt es zählt: die Entwicklung über die Jahre und die "
            f"Verteilung über die {base.plural}. {_levels_sentence()} Gezeigt werden {names}.")
    return _heading(hf.name, text)


def handlungsfeld_opening(hf_id: str) -> Shown:
    """A Handlungsfeld chapter's heading and first paragraph, from the catalogue."""
    hf = catalogue.load().handlungsfeld(hf_id)
    base = levels.hierarchy().base
    names = _listed([f"„{catalogue.load().indicator(i).name}“" for i in indicators_of(hf_id)])
    count = len(indicators_of(hf_id))
    which = "den Indikator" if count == 1 else f"die {count} Indikatoren"
    text = (f"Dieses Kapitel zeigt für das Handlungsfeld {hf.name} {which} des Katalogs der Stadt: {names}, "
            f"für die Stadt insgesamt und in den {base.dative}.")
    return _heading(hf.name, text)


def with_data(ids: list[str], report_year: int, level: str | None = None) -> list[str]:
    """Those of `ids` that have a value on `level` (default: the base level) in a year up to the report year."""
    level = levels.resolve(level)
    found = []
    for indicator_id in ids:
        vals = compute.values(indicator_id, level)
        if isinstance(vals, pd.DataFrame) and not vals.empty and (vals["year"] <= report_year).any():
            found.append(indicator_id)
    return found


def base_indicators(report_year: int) -> list[str]:
    """Every catalogue indicator with values on the base level up to the report year, in the catalogue's order."""
    return with_data([ind.id for ind in catalogue.load().indicators], report_year)


def spatial_opening() -> Shown:
    """The spatial chapter's heading and first paragraph, with the areas' minimum for Moran's I."""
    base = base_level()
    text = (f"Wie ungleich verteilen sich Menschen mit und ohne {concept.concept()} über die {base.plural}, und "
            f"liegen {base.plural} mit ähnlichen Werten nebeneinander? Der Segregationsindex misst die "
            f"Ungleichverteilung; Moran's I und die LISA-Karte zeigen räumliche Häufungen, wo die "
            f"{base.plural} dafür zahlreich genug sind (mindestens {spatial.MIN_AREAS}).")
    return _heading("Räumliche Muster", text)


def enough_areas() -> bool:
    """Whether the base level has the areas Moran's I needs (helpers.stats.spatial.MIN_AREAS)."""
    return n_areas() >= spatial.MIN_AREAS


def too_few_areas() -> Shown:
    """What a city with too few areas reads instead of Moran's I."""
    base = base_level()
    return Shown().markdown(f"*Räumliche Häufungen (Moran's I, LISA) werden nicht berechnet: Die Stadt hat "
                            f"{n_areas()} {base.plural}, nötig sind mindestens {spatial.MIN_AREAS}.*")


def correlations_opening(ids: list[str]) -> Shown:
    """The correlation chapter's heading and first paragraph, naming the city's own indicators."""
    base = base_level()
    names = _listed([f"„{catalogue.load().indicator(i).name}“" for i in ids]) if ids else ""
    text = (f"Das Kapitel berechnet die Zusammenhänge zwischen den Indikatoren über die {base.plural} – nach "
            f"Pearson (linearer Zusammenhang) und Spearman (Rangfolge) – mit p-Werten, die nach Benjamini-Hochberg "
            f"für das multiple Testen korrigiert sind. Ein Zusammenhang sagt nichts über Ursachen: "
            f"{base.plural} mit hohen Werten des einen Indikators haben oft auch hohe Werte des anderen, ohne "
            "dass der eine den anderen bewirkt.")
    if names:
        text += f" Einbezogen sind {names}."
    return _heading("Zusammenhänge zwischen Indikatoren", text)


def too_few_indicators() -> Shown:
    """What the correlation chapter says when fewer than two indicators have values."""
    base = base_level()
    return Shown().markdown(f"*Für Zusammenhänge braucht es mindestens zwei Indikatoren mit Werten der "
                            f"{base.plural}; der Katalog der Stadt hat für das Berichtsjahr nicht so viele.*")
