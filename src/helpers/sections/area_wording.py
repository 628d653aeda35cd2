"""The German sentences of the spatial analyses: what the indices mean, what they found, what they cannot say.

Every number in them comes from the results of helpers.sections.area_statistics; the sections
in helpers.sections.area_patterns put the sentences beside their figures and tables. The
level's names come from the city's config/<city>/city.yml (Stadtteile in Münster, Bezirksregionen in
Berlin), so no sentence names a city's areas.

    >>> from helpers.core import levels
    >>> none_of(levels.Level(code="bezirksregion", name="Bezirksregion", plural="Bezirksregionen"))
    'Keine Bezirksregion'
    >>> none_of(levels.Level(code="stadtteil", name="Stadtteil", plural="Stadtteile"))
    'Kein Stadtteil'
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers.core import areas, formatting, levels, observations
from helpers.core import city as city_profile
from helpers.sections import break_marks
from helpers.sections.area_statistics import base_level, n_areas, pairs
from helpers.stats import segregation, socialspace, spatial

#: Endings of feminine German nouns: a level named so is negated with "keine" (Bezirksregion, Stadtzelle).
FEMININE_ENDINGS = ("ion", "ung", "heit", "keit", "schaft", "tät", "ei", "ik", "e")


def population_source(years: Iterable[int]) -> str:
    """Source line of the analyses computed from the base-level population counts of these years."""
    cited = observations.cited_sources("population", ["total", "migration", "foreign"], years)
    return f"{city_profile.citation(cited) or city_profile.statistics_name()}; eigene Berechnung"


def number(value: float, decimals: int = 3) -> str:
    """An index as the sections write it: three decimals unless said otherwise, German notation."""
    return formatting.number(value, decimals)


def none_of(level: levels.Level) -> str:
    """The negated singular at the start of a sentence: "Kein Stadtteil", "Keine Bezirksregion".

    Masculine and neuter share "kein"; the feminine is told by the name's ending (a heuristic)."""
    feminine = level.name.split()[-1].lower().endswith(FEMININE_ENDINGS)
    return f"{'Keine' if feminine else 'Kein'} {level.name}"


def population_breaks() -> str:
    """The series breaks the catalogue names for the share with a migration history (e.g. Münster's
    2011 change to the population register), as one sentence each; "" if it names none."""
    return "".join(f" Bruch in der Reihe: {b.rstrip('.')}." for b in break_marks.population_breaks())


# --- Segregation -----------------------------------------------------------------------------

def segregation_intro(base: levels.Level) -> str:
    """The heading and what dissimilarity and isolation measure."""
    return (
        f"### Segregation: Wie ungleich verteilen sich die Gruppen über die {base.plural}?\n\n"
        "Der **Dissimilaritätsindex D** (Duncan) gibt an, welcher Anteil einer Gruppe das Gebiet wechseln "
        "müsste, damit sie überall so verteilt wäre wie die Vergleichsgruppe (0 = gleiche Verteilung, "
        "1 = vollständige Trennung). Der **Isolationsindex** ist der Anteil der eigenen Gruppe im Gebiet "
        "des durchschnittlichen Gruppenmitglieds; weil er mit dem Anteil der Gruppe an der Stadt steigt, "
        "steht daneben der **bereinigte Isolationsindex** (η², 0 = jedes Gebiet hat den städtischen Anteil)."
    )


def segregation_sentence(table: pd.DataFrame, row: pd.Series, base: levels.Level) -> str:
    """One pair's indices in the latest year, against the first year of the look back."""
    first = table[(table["label"] == row["label"])].iloc[0]
    return (f"{row['label']}: {int(row['year'])} D = {number(row['dissimilarity'])} "
            f"({int(first['year'])}: {number(first['dissimilarity'])}), Isolationsindex {number(row['isolation'])} "
            f"bei einem Anteil an der Bevölkerung der {base.plural} von "
            f"{formatting.with_unit(row['share'] * 100, '%')}, bereinigt {number(row['isolation_corrected'])}.")


def level_comparison(coarse: segregation.SegregationResult | None, latest: pd.DataFrame) -> str:
    """D at the base level against D at the outline level in the latest year ("" without both)."""
    outline = levels.hierarchy().outline
    if coarse is None or outline is None:
        return ""
    year = int(latest["year"].max())
    coarse_d = coarse.table.loc[coarse.table["year"] == year, "dissimilarity"]
    fine_d = latest.loc[latest["label"] == pairs()[0][2], "dissimilarity"]
    if not (len(coarse_d) and len(fine_d)):
        return ""
    return (f" Für {year} ergibt sich für {pairs()[0][2]} auf Ebene der "
            f"{n_areas()} {base_level().plural} D = {number(fine_d.iloc[0])}, auf Ebene der {n_areas(outline.code)} "
            f"{outline.plural} nur D = {number(coarse_d.iloc[0])}.")


def segregation_caveats(coarse: segregation.SegregationResult | None, latest: pd.DataFrame) -> str:
    """What the indices cannot say: the area division, within-area mixing, location, small groups, breaks."""
    base = base_level()
    return (
        "**Was die Indizes nicht sagen können.** Sie hängen von der Gebietseinteilung ab: andere Grenzen oder "
        f"eine andere Ebene ergeben andere Werte.{level_comparison(coarse, latest)} Sie messen nur Unterschiede "
        f"*zwischen* den {base.dative}; Mischung oder Trennung innerhalb eines Gebiets (Straßen, Häuser) bleibt "
        f"unsichtbar. Sie berücksichtigen nicht, wo die {base.plural} liegen (ob {base.plural} mit hohen Anteilen "
        "nebeneinander liegen, zeigt der folgende Abschnitt). Bei kleinen Gruppen und kleinen Gebieten ist D schon bei "
        "zufälliger Verteilung größer als 0; verglichen werden deshalb Jahre, nicht Werte mit festen "
        f"Schwellen.{population_breaks()} "
        f"Personen, die keinem Gebiet zugeordnet sind, gehen nicht ein; der Anteil kann daher leicht vom "
        "gesamtstädtischen abweichen."
    )


# --- Spatial autocorrelation ------------------------------------------------------------------

def moran_intro(base: levels.Level) -> str:
    """The heading and how Moran's I and its permutation p-value read."""
    return (
        f"### Räumliche Muster: Liegen ähnliche {base.plural} nebeneinander?\n\n"
        f"**Moran's I** misst, ob benachbarte {base.plural} (gemeinsame Grenze oder Ecke) ähnlichere Werte haben "
        "als bei zufälliger Verteilung: positive Werte bedeuten räumliche Häufung, Werte um "
        f"{number(-1 / (n_areas() - 1), 3)} (= −1/(n−1)) keine Struktur. Der p-Wert stammt aus 999 zufälligen Vertauschungen "
        "der Werte (Permutationstest, fester Startwert, daher reproduzierbar)."
    )


def lisa_caveat(level: levels.Level, n_values: int, lisa: spatial.LisaResult, lisa_fdr: spatial.LisaResult) -> str:
    """What the cluster map shows, and how many areas chance alone would mark (multiple testing)."""
    by_chance = formatting.number(n_values * 0.05)

    def areas_(count: str | int) -> str:
        return f"{count} {level.name if str(count) == '1' else level.plural}"

    verb = "ist" if lisa.n_significant == 1 else "sind"
    return (
        f"Die Karte zeigt {level.plural}, deren Wert zusammen mit dem Mittel ihrer Nachbarn auffällig hoch "
        f"(hoch-hoch) oder niedrig (niedrig-niedrig) ist, und Ausreißer gegenüber ihren Nachbarn. "
        f"**Vorsicht:** Es sind {n_values} Einzeltests; bei p ≤ 0,05 erscheinen schon bei rein zufälliger "
        f"Verteilung etwa {areas_(by_chance)} auffällig. "
        f"{areas_(lisa.n_significant)} {verb} es ohne Korrektur, nach Korrektur für "
        f"multiples Testen (False Discovery Rate nach Benjamini-Hochberg) {lisa_fdr.n_significant}. Die Cluster "
        "sind Hinweise zum genaueren Hinsehen, keine Befunde."
    )


# --- Social-space index -----------------------------------------------------------------------

def social_space_intro(names: str, base: levels.Level, period: int) -> str:
    """The heading and how the status and dynamics indices are built and classed."""
    return (
        "### Sozialraumindex nach dem Vorbild des Berliner Monitorings Soziale Stadtentwicklung\n\n"
        f"Indexindikatoren: {names}. Jeder Indikator wird über die {base.plural} z-standardisiert; der "
        "**Statusindex** ist der erneut standardisierte Mittelwert der z-Werte im Berichtsjahr, der "
        f"**Dynamikindex** derselbe Wert für die Veränderung über {period} Jahre. Klassen nach "
        "Standardabweichungen: Status hoch (< −1), mittel (−1 bis +1), niedrig (+1 bis +1,5), sehr niedrig "
        "(> +1,5); Dynamik positiv (< −1), stabil (−1 bis +1), negativ (> +1). Ein hoher Statusindex bedeutet "
        f"einen niedrigen sozialen Status. Der Index ordnet {base.plural} relativ zueinander ein; er sagt nichts "
        f"über einzelne Menschen und nichts über {areas.city().short} im Vergleich zu anderen Städten."
    )


def classified_sentence(table: pd.DataFrame, result: socialspace.SocialSpaceResult, base: levels.Level) -> str:
    """How many areas are classed, by status, and which were left out."""
    counts = table.groupby("status_label").size()
    return (
        f"{len(table)} von {len(table) + len(result.excluded)} {base.dative} sind eingeordnet: "
        + ", ".join(f"Status {k} {int(counts.get(k, 0))}" for k in ("hoch", "mittel", "niedrig", "sehr niedrig"))
        + "." + excluded_text(result)
    )


def excluded_text(result: socialspace.SocialSpaceResult) -> str:
    """The areas the index leaves out and why, or that it leaves none out."""
    if result.excluded.empty:
        return (f" {none_of(base_level())} liegt unter der Mindestbevölkerung von {formatting.number(result.population_floor)} "
                "Einwohner/-innen oder ist ohne Wert.")
    names = "; ".join(f"{r.area_code} {r.area_name} ({r.reason})" for r in result.excluded.itertuples())
    return f" Nicht eingeordnet: {names}."
