"""The correlation explorer's words: the caveat, notes, axis labels, p-values and the table of pairs in German.

Formatting only: the numbers come from helpers.stats.correlation (through
helpers.sections.explorer), the labels from helpers.sections.correlation_values. The explorer
puts these beside its matrices and scatter plots.

    >>> p_text(0.0004), p_text(0.0123), p_text(float("nan"))
    ('< 0,001', '0,012', '.')
    >>> import pandas as pd
    >>> n_areas_text(pd.Series([41, 45])), n_areas_text(pd.Series([45, 45]))
    ('41–45', '45')
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, concept, formatting, model
from helpers.disclosure import tidy
from helpers.figures import charts, linked
from helpers.sections.html_tables import table_html
from helpers.stats import correlation

#: The caveat above every result; {areas} is the plural of the level analysed ("Stadtteile"), {n} the areas,
#: {example} a sentence on one pair from the city's catalogue (`example_sentence`).
ECOLOGICAL_CAVEAT = (
    "**Lesehilfe:** Die Zusammenhänge beziehen sich auf {areas}, nicht auf Menschen. {example} Mit {n} Gebieten "
    "sind die Schätzungen unsicher; einzelne {areas} können einen Zusammenhang tragen (Pearson und "
    "Spearman vergleichen). Eine Korrelation ist kein Beleg für eine Ursache."
)
#: The example where the catalogue counts unemployed people (the measure `unemployed`).
UNEMPLOYED_EXAMPLE = (
    "Dass {areas} mit hohem Anteil von Menschen mit Migrationsvorgeschichte auch mehr Arbeitslose haben, heißt nicht, "
    "dass Menschen mit Migrationsvorgeschichte häufiger arbeitslos sind (ökologischer Fehlschluss)."
)
#: The example from two indicators of any catalogue.
PAIR_EXAMPLE = (
    "Dass {areas} mit hohen Werten für „{a}“ auch hohe Werte für „{b}“ haben, heißt nicht, dass dasselbe für die "
    "einzelnen Menschen gilt (ökologischer Fehlschluss)."
)
#: Without two indicators to name.
PLAIN_EXAMPLE = (
    "Dass {areas} mit hohen Werten des einen Indikators auch hohe Werte des anderen haben, heißt nicht, dass "
    "dasselbe für die einzelnen Menschen gilt (ökologischer Fehlschluss)."
)


def example_sentence(plural: str, cat: catalogue.Catalogue | None = None) -> str:
    """The ecological fallacy on an example from the city's own catalogue: unemployment where it counts the
    unemployed, else its first share of a migration group against its first other indicator (the catalogue's
    first two without such a share), never an indicator the city does not have."""
    cat = catalogue.load() if cat is None else cat
    counted = [i for i in cat.indicators if i.numerator is not None]
    if any(i.numerator.measure == "unemployed" for i in counted):
        return UNEMPLOYED_EXAMPLE.format(areas=plural)
    shares = [i for i in counted if i.numerator.origin in ("migration", "foreign")
              and i.numerator.measure == i.denominator.measure]
    first = shares[0] if shares else (cat.indicators[0] if cat.indicators else None)
    other = next((i for i in cat.indicators if first is not None and i.id != first.id), None)
    if first is None or other is None:
        return PLAIN_EXAMPLE.format(areas=plural)
    return PAIR_EXAMPLE.format(areas=plural, a=first.name, b=other.name)


def caveat(plural: str, n: pd.Series, cat: catalogue.Catalogue | None = None) -> str:
    """`ECOLOGICAL_CAVEAT` for the level analysed and the areas behind the pairs, in the city's concept, with an
    example from the city's catalogue (default: the data root's)."""
    text = ECOLOGICAL_CAVEAT.format(areas=plural, n=n_areas_text(n), example=example_sentence(plural, cat))
    return concept.say(text)


def latest_year_note(year: int, latest: int) -> str:
    """Why another year than the one asked for is shown."""
    return (f"*Für {year} liegen nicht für alle gewählten Indikatoren Werte vor; gezeigt wird das "
            f"letzte gemeinsame Jahr {latest}.*")


def synthetic_note(labels: list[str]) -> str:
    """The mark of the indicators that contain demo data: their correlations say nothing about the city."""
    return (f"**{charts.SYNTHETIC_MARK}:** " + ", ".join(labels)
            + f" beruhen auf synthetischen Demodaten; ihre Zusammenhänge sagen nichts über {areas.city().short}.")


def n_areas_text(n: pd.Series) -> str:
    """Areas behind the pairs: "45", or "41–45" when pairwise deletion leaves some pairs fewer."""
    low, high = int(n.min()), int(n.max())
    return str(high) if low == high else f"{low}–{high}"


def axis_label(name: str, unit: str) -> str:
    """A scatter plot's axis: the indicator's label and, if it has one, its unit in brackets (worded once, in
    helpers.figures.linked.series_label, which the linked view's lists use for every series)."""
    return linked.series_label(name, unit)


def p_text(value: float) -> str:
    """A p-value as the table shows it: three decimals, "< 0,001" below that, "." if missing."""
    if pd.isna(value):
        return "."
    return "< 0,001" if value < 0.001 else formatting.number(value, 3)


def _key(indicator: str, group: str) -> str:
    return indicator if group == "total" else f"{indicator}{tidy.SEPARATOR}{group}"


def pairs_table(pairs: pd.DataFrame, names: dict[str, str], source: str, synthetic: bool) -> str:
    """The table of all pairs as the reader sees it (HTML); weighted, with Kish's effective number of areas."""
    shown = pd.DataFrame({
        "Indikator A": [names[_key(i, g)] for i, g in zip(pairs["indicator_a"], pairs["group_a"])],
        "Indikator B": [names[_key(i, g)] for i, g in zip(pairs["indicator_b"], pairs["group_b"])],
        "Verfahren": pairs["method"].map(correlation.METHOD_LABELS),
        "r": [formatting.number(v, 2) for v in pairs["r"]],
        "p": [p_text(v) for v in pairs["p"]],
        "p (BH-korrigiert)": [p_text(v) for v in pairs["p_bh"]],
        "n": pairs["n"].astype(str),
    })
    if pairs["weighted"].any():  # weighted: the effective number of areas behind each p (Kish)
        shown["n effektiv (Kish)"] = [formatting.number(v, 1) for v in pairs["n_eff"]]
    return table_html(shown, "Alle Paare: Korrelationskoeffizient, p-Wert und nach Benjamini-Hochberg für "
                             "multiples Testen korrigierter p-Wert", source, synthetic=synthetic)


#: What `left_out` lists for the weights.
POPULATION_LABEL = "Einwohnerzahl (Gewicht)"


def _reason(symbol: str) -> str:
    """Why a value is missing, as the official symbol says: "Zeichen „.“: Zahlenwert geheim zu halten …"."""
    return f"Zeichen „{symbol}“: {model.FLAGS.get(symbol, symbol)}" if symbol else "keine Angabe"


def _missing_parts(missing: dict[str, list[tuple[str, str, str]]], names: dict[str, str]) -> list[str]:
    """„Indicator“ (reason): area, area, … for every key and symbol with areas."""
    parts = []
    for key, rows in missing.items():
        label = POPULATION_LABEL if key == "population" else names[key]
        for symbol in dict.fromkeys(s for _, _, s in rows):
            areas_ = ", ".join(name for _, name, s in rows if s == symbol)
            parts.append(f"„{label}“ ({_reason(symbol)}): {areas_}")
    return parts


def left_out_note(missing: dict[str, list[tuple[str, str, str]]], names: dict[str, str], year: int) -> str:
    """The areas every pair with one of these indicators leaves out, named, for the text under the caveat ("" if none)."""
    parts = _missing_parts(missing, names)
    if not parts:
        return ""
    return (f"**Nicht in allen Paaren enthalten:** Für {year} ohne veröffentlichten Wert sind bei "
            + "; bei ".join(parts) + ". Die Paare mit diesen Indikatoren beruhen auf entsprechend weniger Gebieten "
            "(Spalte n der Tabelle).")


def scatter_note(missing: dict[str, list[tuple[str, str, str]]], names: dict[str, str], year: int) -> str:
    """The line under a scatter plot naming the areas it leaves out and why ("" if it shows all)."""
    parts = _missing_parts(missing, names)
    return f"Nicht enthalten, für {year} ohne veröffentlichten Wert bei " + "; bei ".join(parts) + "." if parts else ""
