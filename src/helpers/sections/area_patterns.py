"""Report sections for the cross-cutting spatial analyses of the Stadtteilentwicklung chapter.

Segregation indices, spatial autocorrelation (Moran's I, LISA) and the social-space index,
each with the caveats a reader needs. The statistics live in `segregation`, `spatial` and
`socialspace`; this module only arranges them as German text, tables, figures and maps.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from helpers.core import areas, catalogue, formatting
from helpers.disclosure import disclosed, register
from helpers.figures import charts, maps
from helpers.sections.blocks import combined_source, latest_common_year, table_html, window
from helpers.stats import segregation, spatial

PAIRS = (("migration", "no_migration", "Menschen mit und ohne Migrationsvorgeschichte"),
         ("foreign", "german", "Ausländer/-innen und Deutsche"))
LISA_COLOURS = {"hoch-hoch": "#b2182b", "niedrig-niedrig": "#2166ac", "hoch-niedrig": "#f4a582",
                "niedrig-hoch": "#92c5de", spatial.NOT_SIGNIFICANT: "#f7f7f7", spatial.NO_NEIGHBOURS: "#bdbdbd"}
DEFAULT_MORAN_INDICATORS = ("mv_anteil", "auslaender_anteil", "alo_dichte", "alo_sgb2_dichte")


def population_source() -> str:
    """Source line of the analyses computed from the Stadtteil population counts."""
    return f"{areas.statistics_source()}, Migration und Bevölkerung; eigene Berechnung"


def _num(value: float, decimals: int = 3) -> str:
    return formatting.number(value, decimals)


# --- Segregation -----------------------------------------------------------------------------

def segregation_table(report_year: int, level: str = "stadtteil") -> pd.DataFrame:
    """Both group pairs, every year of the look back with complete counts."""
    lo, hi = window(report_year)
    frames = [segregation.indices_by_year(a, b, level).assign(label=label) for a, b, label in PAIRS]
    table = pd.concat(frames, ignore_index=True)
    return table[table["year"].between(lo, hi)].sort_values(["label", "year"], ignore_index=True)


def segregation_section(report_year: int) -> None:
    """Dissimilarity and isolation over the look back, with what the indices cannot say."""
    table = segregation_table(report_year)
    if table.empty:
        display(Markdown("*Für den Rückblick liegen keine vollständigen Stadtteilzahlen zur Segregation vor.*"))
        return
    display(Markdown(
        "### Segregation: Wie ungleich verteilen sich die Gruppen über die Stadtteile?\n\n"
        "Der **Dissimilaritätsindex D** (Duncan) gibt an, welcher Anteil einer Gruppe den Stadtteil wechseln "
        "müsste, damit sie überall so verteilt wäre wie die Vergleichsgruppe (0 = gleiche Verteilung, "
        "1 = vollständige Trennung). Der **Isolationsindex** ist der Anteil der eigenen Gruppe im Stadtteil "
        "des durchschnittlichen Gruppenmitglieds; weil er mit dem Anteil der Gruppe an der Stadt steigt, "
        "steht daneben der **bereinigte Isolationsindex** (η², 0 = jeder Stadtteil hat den städtischen Anteil)."
    ))
    latest = table[table["year"] == table["year"].max()]
    sentences = []
    for _, row in latest.iterrows():
        first = table[(table["label"] == row["label"])].iloc[0]
        sentences.append(
            f"{row['label']}: {int(row['year'])} D = {_num(row['dissimilarity'])} "
            f"({int(first['year'])}: {_num(first['dissimilarity'])}), Isolationsindex {_num(row['isolation'])} "
            f"bei einem Anteil an der Bevölkerung der Stadtteile von {formatting.with_unit(row['share'] * 100, '%')}, "
            f"bereinigt {_num(row['isolation_corrected'])}."
        )
    display(Markdown(" ".join(sentences)))
    charts.show(charts.lines(
        table.assign(series=table["label"]), "year", "dissimilarity", "series",
        f"Dissimilaritätsindex D, Stadtteile {int(table['year'].min())}–{int(table['year'].max())}",
        population_source(), decimals=2, y_label="D (0 = gleiche Verteilung, 1 = vollständige Trennung)",
    ))
    shown = pd.DataFrame({
        "Gruppen": table["label"], "Jahr": table["year"].astype(str),
        "Anteil der Gruppe": [formatting.with_unit(v * 100, "%") for v in table["share"]],
        "Dissimilarität D": [_num(v) for v in table["dissimilarity"]],
        "Isolation": [_num(v) for v in table["isolation"]],
        "Isolation bereinigt (η²)": [_num(v) for v in table["isolation_corrected"]],
        "Kontakt (Exposure)": [_num(v) for v in table["exposure"]],
    })
    display(HTML(table_html(shown, f"Segregationsindizes auf Ebene der {_n_areas()} Stadtteile", population_source())))
    display(Markdown(_segregation_caveats(report_year, latest)))


def _segregation_caveats(report_year: int, latest: pd.DataFrame) -> str:
    year = int(latest["year"].max())
    coarse = segregation.indices_by_year("migration", "no_migration", "stadtbezirk")
    coarse_d = coarse.loc[coarse["year"] == year, "dissimilarity"]
    fine_d = latest.loc[latest["label"] == PAIRS[0][2], "dissimilarity"]
    level_text = ""
    if len(coarse_d) and len(fine_d):
        level_text = (f" Für {year} ergibt sich für Menschen mit und ohne Migrationsvorgeschichte auf Ebene der "
                      f"{_n_areas()} Stadtteile D = {_num(fine_d.iloc[0])}, auf Ebene der {_n_areas('stadtbezirk')} Stadtbezirke nur "
                      f"D = {_num(coarse_d.iloc[0])}.")
    return (
        "**Was die Indizes nicht sagen können.** Sie hängen von der Gebietseinteilung ab: andere Grenzen oder "
        f"eine andere Ebene ergeben andere Werte.{level_text} Sie messen nur Unterschiede *zwischen* den "
        "Stadtteilen; Mischung oder Trennung innerhalb eines Stadtteils (Straßen, Häuser) bleibt unsichtbar. "
        "Sie berücksichtigen nicht, wo die Stadtteile liegen (ob Stadtteile mit hohen Anteilen nebeneinander "
        "liegen, zeigt der folgende Abschnitt). Bei kleinen Gruppen und kleinen Gebieten ist D schon bei "
        "zufälliger Verteilung größer als 0; verglichen werden deshalb Jahre, nicht Werte mit festen "
        "Schwellen. Ab 2011 wird die Bevölkerung aus dem Melderegister gezählt (Bruch in der Reihe). "
        "Stadtteile ohne Zuordnung gehen nicht ein; der Anteil kann daher leicht vom gesamtstädtischen abweichen."
    )


def _n_areas(level: str = "stadtteil") -> int:
    """How many areas a level has (45 Stadtteile in Münster; any number elsewhere)."""
    return len(areas.area_names(level))


# --- Spatial autocorrelation ------------------------------------------------------------------

def _published(ind: catalogue.Indicator, year: int) -> pd.Series:
    """Stadtteil values of one year after disclosure control, indexed by area code."""
    vals = disclosed.values(ind, "stadtteil")
    vals = vals[(vals["year"] == year) & (vals["group"] == "total")]
    register.record(vals, "Analyse")
    return vals.set_index("area_code")["value"].astype("Float64")


def moran_table(indicator_ids: list[str], report_year: int) -> pd.DataFrame:
    """Moran's I and its permutation p-value per indicator and year of the look back."""
    cat = catalogue.load()
    lo, hi = window(report_year)
    rows = []
    for ind_id in indicator_ids:
        ind = cat.indicator(ind_id)
        years = disclosed.values(ind, "stadtteil").dropna(subset=["value"])["year"].unique()
        for year in sorted(y for y in years if lo <= y <= hi):
            result = spatial.moran(_published(ind, int(year)))
            rows.append(dict(indicator=ind_id, name=ind.name, synthetic=ind.synthetic, year=int(year),
                             moran_i=result.moran_i, p_sim=result.p_sim, n=result.n, result=result))
    return pd.DataFrame(rows)


def spatial_section(indicator_ids: list[str], report_year: int, lisa_indicator: str | None = None) -> None:
    """Global Moran's I over the look back and a LISA cluster map for the report year."""
    table = moran_table(indicator_ids, report_year)
    display(Markdown(
        "### Räumliche Muster: Liegen ähnliche Stadtteile nebeneinander?\n\n"
        "**Moran's I** misst, ob benachbarte Stadtteile (gemeinsame Grenze oder Ecke) ähnlichere Werte haben "
        "als bei zufälliger Verteilung: positive Werte bedeuten räumliche Häufung, Werte um "
        f"{_num(-1 / (_n_areas() - 1), 3)} (= −1/(n−1)) keine Struktur. Der p-Wert stammt aus 999 zufälligen Vertauschungen "
        "der Werte (Permutationstest, fester Startwert, daher reproduzierbar)."
    ))
    if table.empty:
        display(Markdown("*Keine Stadtteilwerte im Rückblick.*"))
        return
    wide = table.assign(cell=[f"{_num(i, 2)} ({_num(p, 3)})" for i, p in zip(table["moran_i"], table["p_sim"])])
    order = [catalogue.load().indicator(i).name for i in indicator_ids if i in set(table["indicator"])]
    wide = wide.pivot(index="year", columns="name", values="cell")[order].fillna(".")
    wide = wide.reset_index().rename(columns={"year": "Jahr"})
    wide["Jahr"] = wide["Jahr"].astype(str)
    display(HTML(table_html(wide, f"Moran's I (Queen-Nachbarschaft, {_n_areas()} Stadtteile), in Klammern der Pseudo-p-Wert",
                            population_source(), synthetic=bool(table["synthetic"].any()))))
    year = int(table["year"].max())
    for _, row in table[table["year"] == year].iterrows():
        display(Markdown(f"*{row['name']}, {year}:* {row['result'].describe()}"))
    lisa_section(lisa_indicator or indicator_ids[0], year)


def lisa_section(indicator_id: str, year: int) -> None:
    ind = catalogue.load().indicator(indicator_id)
    values = _published(ind, year)
    local = spatial.lisa(values)
    corrected = spatial.lisa(values, fdr=True)
    n_sig = int(local["cluster"].isin(list(spatial.QUADRANTS.values())).sum())
    n_fdr = int(corrected["cluster"].isin(list(spatial.QUADRANTS.values())).sum())
    categories = local.set_index("area_code")["cluster"].where(lambda c: c != spatial.NO_VALUE)
    fig = maps.category_map(
        categories, LISA_COLOURS, f"Lokale Cluster (LISA): {ind.name}, {year}", charts.short_source(ind),
        "Cluster (p ≤ 0,05, nicht korrigiert)\nin Klammern: Zahl der Stadtteile", synthetic=ind.synthetic,
    )
    charts.show(fig)
    display(Markdown(
        f"Die Karte zeigt Stadtteile, deren Wert zusammen mit dem Mittel ihrer Nachbarn auffällig hoch "
        f"(hoch-hoch) oder niedrig (niedrig-niedrig) ist, und Ausreißer gegenüber ihren Nachbarn. "
        f"**Vorsicht:** Es sind {len(values)} Einzeltests; bei p ≤ 0,05 erscheinen schon bei rein zufälliger "
        f"Verteilung etwa {formatting.number(len(values) * 0.05)} Stadtteile auffällig. "
        f"{n_sig} Stadtteile sind es ohne Korrektur, nach Korrektur für "
        f"multiples Testen (False Discovery Rate nach Benjamini-Hochberg) {n_fdr}. Die Cluster sind Hinweise "
        "zum genaueren Hinsehen, keine Befunde."
    ))


# --- Social-space index -----------------------------------------------------------------------

#: Colour families by status (blue = hoch … red = sehr niedrig), lighter for positive dynamics.
STATUS_SHADES = {"hoch": ("#c6dbef", "#6baed6", "#2171b5"), "mittel": ("#f0f0f0", "#d9d9d9", "#a3a3a3"),
                 "niedrig": ("#fee6ce", "#fdae6b", "#e6550d"), "sehr niedrig": ("#fcbba1", "#fb6a4a", "#a50f15")}


def social_space_palette() -> dict[str, str]:
    from helpers.stats.socialspace import DYNAMICS_LABELS, STATUS_LABELS

    return {f"{s} / {d}": STATUS_SHADES[s][i] for s in STATUS_LABELS.values()
            for i, d in enumerate(DYNAMICS_LABELS.values())}


def social_space_section(indicator_ids: list[str], year: int, period: int = 2, population_floor: int = 300) -> None:
    """Status and dynamics index after Berlin's MSS as a map of the 12 groups and a table."""
    import warnings

    from helpers.stats import socialspace

    cat = catalogue.load()
    latest = latest_common_year(indicator_ids, year)
    if latest is not None and latest != year:
        display(Markdown(f"*Für {year} liegen nicht alle Indexindikatoren vor; der Sozialraumindex wird für "
                         f"{latest} gezeigt.*"))
        year = latest
    names = ", ".join(f"„{cat.indicator(i).name}“" for i in indicator_ids)
    display(Markdown(
        "### Sozialraumindex nach dem Vorbild des Berliner Monitorings Soziale Stadtentwicklung\n\n"
        f"Indexindikatoren: {names}. Jeder Indikator wird über die Stadtteile z-standardisiert; der "
        "**Statusindex** ist der erneut standardisierte Mittelwert der z-Werte im Berichtsjahr, der "
        f"**Dynamikindex** derselbe Wert für die Veränderung über {period} Jahre. Klassen nach "
        "Standardabweichungen: Status hoch (< −1), mittel (−1 bis +1), niedrig (+1 bis +1,5), sehr niedrig "
        "(> +1,5); Dynamik positiv (< −1), stabil (−1 bis +1), negativ (> +1). Ein hoher Statusindex bedeutet "
        "einen niedrigen sozialen Status. Der Index ordnet Stadtteile relativ zueinander ein; er sagt nichts "
        f"über einzelne Menschen und nichts über {areas.city().short} im Vergleich zu anderen Städten."
    ))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            result = socialspace.compute(indicator_ids, year, period=period, population_floor=population_floor)
        except socialspace.SocialSpaceError as exc:
            display(Markdown(f"*Der Sozialraumindex kann für {year} nicht berechnet werden: {exc}*"))
            return
    for warning in caught:
        display(Markdown(f"*Hinweis: {warning.message}*"))
    table = result.table
    source = combined_source(indicator_ids)
    fig = maps.category_map(
        table.set_index("area_code")["group_label"], social_space_palette(),
        f"Sozialraumindex {result.year}: Status und Dynamik {result.base_year}–{result.year}", source,
        "Status / Dynamik\nin Klammern: Zahl der Stadtteile", synthetic=result.synthetic,
        missing_label="ausgeschlossen",
    )
    charts.show(fig)
    counts = table.groupby("status_label").size()
    display(Markdown(
        f"{len(table)} von {len(table) + len(result.excluded)} Stadtteilen sind eingeordnet: "
        + ", ".join(f"Status {k} {int(counts.get(k, 0))}" for k in ("hoch", "mittel", "niedrig", "sehr niedrig"))
        + "." + _excluded_text(result)
    ))
    order = table.sort_values(["status_index"], ascending=False)
    shown = pd.DataFrame({
        "Stadtteil": order["area_code"] + " " + order["area_name"],
        "Einwohner/-innen": [formatting.number(v) for v in order["population"]],
        **{cat.indicator(i).name: [formatting.with_unit(v, cat.indicator(i).unit) for v in order[i]]
           for i in result.indicator_ids},
        "Statusindex": [formatting.number(v, 2) for v in order["status_index"]],
        "Status": order["status_label"],
        "Dynamikindex": [formatting.number(v, 2) for v in order["dynamics_index"]],
        "Dynamik": order["dynamics_label"],
    })
    display(HTML(table_html(shown, f"Sozialraumindex {result.year} je Stadtteil, geordnet nach dem Statusindex",
                            source, synthetic=result.synthetic)))


def _excluded_text(result) -> str:
    if result.excluded.empty:
        return (f" Kein Stadtteil liegt unter der Mindestbevölkerung von {formatting.number(result.population_floor)} "
                "Einwohner/-innen oder ist ohne Wert.")
    names = "; ".join(f"{r.area_code} {r.area_name} ({r.reason})" for r in result.excluded.itertuples())
    return f" Nicht eingeordnet: {names}."
