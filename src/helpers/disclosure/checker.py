"""The checker: every published number of a run against the disclosure rule and the stored data.

It reads what a run wrote (outputs/<city>/<year>/tables/*.csv and the cells every chapter recorded in
outputs/<city>/<year>/published/) and looks each value up in the complete stored data, independently
of the code that suppressed it:
- primary: no value whose numerator is a small count, whose denominator is below the minimum,
  or whose base area (Münster: Stadtteil) is below the population floor;
- secondary: in every sum of published cells (base areas -> larger areas, groups -> total) not
  exactly one secret cell;
- consistency: a cell shown in a chapter has the value of the exported tables;
- embedded data: every number of the specs the HTML report embeds for its interactive maps
  (helpers.disclosure.embedded), each value by the rules above.
The build fails when any of these is broken (`python -m helpers.disclosure.checker outputs/<city>/2014`).
"""

from __future__ import annotations

import hashlib
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import arguments, catalogue, levels, paths, texts
from helpers.disclosure import disclosed, embedded, profile_numbers, register, suppression, textcheck

KEY = ["indicator", "area_level", "area_code", "year", "group"]
#: The HTML report whose embedded numbers (interactive maps) are checked beside the tables and records.
REPORT = "report.html"


@dataclass(frozen=True)
class Violation:
    file: str
    row: int  # 1-based data row of the file (header not counted); 0 = whole file
    cell: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}, Zeile {self.row}" if self.row else self.file
        return f"{where} ({self.cell}): {self.problem}"


def stored_cells(indicator_ids: set[str]) -> pd.DataFrame:
    """Complete stored values (no suppression) of the indicators, all levels, keyed like published cells."""
    known = {ind.id for ind in catalogue.load().indicators}
    frames = [disclosed.stored(ind_id) for ind_id in sorted(indicator_ids & known)]
    if not frames:
        return pd.DataFrame(columns=[*KEY, "numerator", "denominator", "value"])
    out = pd.concat(frames, ignore_index=True)
    out["area_code"] = out["area_code"].astype(str)
    out["year"] = out["year"].astype(int)
    return out


def _describe(row) -> str:
    return f"{row.indicator}, {row.area_level} {row.area_code}, {int(row.year)}, {row.group}"


def check_primary(cells: pd.DataFrame, stored: pd.DataFrame, rule: suppression.Rule, population: pd.Series,
                  file: str) -> list[Violation]:
    """Shown values whose stored counts the rule forbids: a numerator below min_count, a denominator
    below min_denominator, or a small area with fewer residents than min_population.

    The conditions are evaluated for all cells at once (a report shows some 60 000); only the rows
    that break the rule are looked at one by one, to name them. Cells of several files name theirs in a
    column `file` (else all are `file`'s).
    """
    shown = cells[cells["value"].notna()].copy()
    shown["year"] = shown["year"].astype(int)
    shown["source_row"] = shown["row"] if "row" in shown else shown.index + 1
    merged = shown.merge(stored[[*KEY, "numerator", "denominator"]], on=KEY, how="left")
    num = pd.to_numeric(merged["numerator"], errors="coerce").astype(float)
    den = pd.to_numeric(merged["denominator"], errors="coerce").astype(float)
    small_count = num.notna() & (num > 0) & (num < rule.min_count)
    small_denominator = ~small_count & den.notna() & (den < rule.min_denominator)
    merged["residents"] = float("nan")
    few_residents = pd.Series(False, index=merged.index)
    if rule.min_population and len(merged):
        known = population[~population.index.duplicated()].astype(float)
        keys = pd.MultiIndex.from_arrays([merged["year"], merged["area_level"], merged["area_code"]])
        merged["residents"] = known.reindex(keys).to_numpy()
        few_residents = (~small_count & ~small_denominator & merged["area_level"].isin(levels.hierarchy().small)
                         & merged["residents"].notna() & (merged["residents"] < rule.min_population))
    out = []
    for row in merged[small_count | small_denominator | few_residents].itertuples(index=False):
        num, den, pop = row.numerator, row.denominator, row.residents
        if pd.notna(num) and 0 < num < rule.min_count:
            problem = f"Zähler {int(num)} ist kleiner als {rule.min_count}"
        elif pd.notna(den) and den < rule.min_denominator:
            problem = f"Nenner {int(den)} ist kleiner als {rule.min_denominator}"
        else:
            problem = (f"das Gebiet ({levels.hierarchy().level(row.area_level).name}) hat {int(pop)} "
                       f"Einwohner/-innen, weniger als {rule.min_population}")
        out.append(Violation(getattr(row, "file", file), int(row.source_row), _describe(row),
                             f"Wert {row.value} veröffentlicht, aber {problem}. Der Wert muss als \".\" erscheinen."))
    return out


def check_secondary(cells: pd.DataFrame, stored: pd.DataFrame, file: str) -> list[Violation]:
    """A secret cell (stored value, published as '.') must not be the only hidden cell of a sum.

    Cells of several files name theirs and their row there in the columns `file` and `row`."""
    table = cells.merge(stored[[*KEY, "value"]].rename(columns={"value": "stored"}), on=KEY, how="left")
    table = table.reset_index(drop=True)
    secret = (table["value"].isna() & table["stored"].notna()).to_numpy()
    has_data = table["stored"].notna().to_numpy()
    out = []
    for total, parts in suppression.sums(table, disclosed.parents()):
        rows = [total, *parts]
        if has_data[rows].all() and secret[rows].sum() == 1:
            hidden = rows[int(secret[rows].argmax())]
            row = table.iloc[hidden]
            place = (row["file"], int(row["row"])) if "file" in table else (file, int(hidden) + 1)
            out.append(Violation(*place, _describe(row),
                                 "geheimer Wert lässt sich aus der Summe der übrigen veröffentlichten Werte "
                                 f"zurückrechnen (Summe: {_describe(table.iloc[total])}); ein weiterer Wert der "
                                 "Summe muss als \".\" erscheinen."))
    return out


def check_consistency(records: pd.DataFrame, table: pd.DataFrame, file: str) -> list[Violation]:
    """Every recorded chapter cell equals the exported table's value for that cell."""
    merged = records.merge(table[[*KEY, "value"]], on=KEY, how="inner", suffixes=("", "_table"))
    differ = merged[(merged["value"].isna() != merged["value_table"].isna())
                    | ((merged["value"] - merged["value_table"]).abs() > 1e-9).fillna(False)]
    return [Violation(f"{file} / published/{row.chapter}.csv", 0, _describe(row),
                      f"Kapitel zeigt {row.value}, die Tabellen {row.value_table}.")
            for row in differ.itertuples(index=False)]


def _series(key: str) -> tuple[str, str]:
    """"indicator" or "indicator:group" -> (indicator, group)."""
    indicator, _, group = key.partition(":")
    return indicator, group or "total"


def published_pairs(*folders: Path) -> list[pd.DataFrame]:
    """The tables of pairs in the folders' tables/ (the chapter writes the report's into outputs/<year>/tables)."""
    files = sorted({p for folder in folders for p in (Path(folder) / "tables").glob("korrelationen_*.csv")})
    return [pd.read_csv(p) for p in files]


def check_pairs(report_name: str, shown: pd.DataFrame, published: list[pd.DataFrame]) -> list[Violation]:
    """Every pair an embedded spec shows (its r to two decimals and its n) must be a row of a published table of
    pairs (tables/korrelationen_<level>_<year>.csv), in either order: r and n are the chapter's, not new numbers."""
    known: dict[tuple, set[tuple[float, int]]] = {}
    for frame in published:
        for row in frame.itertuples(index=False):
            if str(row.method) != "pearson" or pd.isna(row.r):
                continue
            a, b = (str(row.indicator_a), str(row.group_a)), (str(row.indicator_b), str(row.group_b))
            for key in ((a, b), (b, a)):
                known.setdefault(key, set()).add((round(float(row.r), 2), int(row.n)))
    out = []
    for row in shown.itertuples(index=False):
        if row.r is None or pd.isna(row.r):
            continue
        found = known.get((_series(row.a), _series(row.b)), set())
        if (round(float(row.r), 2), int(row.n)) not in found:
            listed = ", ".join(f"r = {r}, n = {n}" for r, n in sorted(found)) or "kein solches Paar"
            out.append(Violation(report_name, int(row.row), f"{row.block}: {row.a} – {row.b}",
                                 f"zeigt r = {row.r}, n = {row.n}; die veröffentlichte Tabelle der Paare: {listed}."))
    return out


def check_embedded(report: Path, tables: list[pd.DataFrame], rule: suppression.Rule | None = None,
                   population: pd.Series | None = None, stored: pd.DataFrame | None = None,
                   pair_tables: list[pd.DataFrame] | None = None) -> list[Violation]:
    """Every number of the specs `report` embeds for its interactive maps (helpers.disclosure.embedded).

    A value of a cell the exported tables have must equal the tables' value (which the same check reads by
    the rule); a value that differs, and one of a cell the tables do not have (a map of an indicator whose
    last year lies before the report's look back shows that year's look back, like its series), is checked
    against the rule in the stored data, as a chapter's recorded cells are. A number anywhere else in a spec
    is reported. `stored`: the stored cells if the caller has them (else those of the cells to check);
    `pair_tables`: the published tables of pairs, which every embedded pair's r and n must be in (None: not checked)."""
    report = Path(report)
    if not report.is_file():
        return []
    page = report.read_text(encoding="utf-8")
    cells, strays = embedded.read(page)
    name = report.name
    out = [Violation(name, 0, "eingebettete Daten", f"Zahl außerhalb der Werte einer Karte: {s}") for s in strays]
    if pair_tables is not None:
        out += check_pairs(name, embedded.pairs(page), pair_tables)
    if cells.empty:
        return out
    cells = cells.reset_index(drop=True)
    cells["row"] = range(1, len(cells) + 1)  # counted over all the page's specs, in order
    table = pd.concat([t[[*KEY, "value"]] for t in tables], ignore_index=True) if tables else \
        pd.DataFrame(columns=[*KEY, "value"])
    table = table.drop_duplicates(KEY).astype({"area_code": str})
    merged = cells.astype({"year": "int64"}, errors="ignore").merge(
        table.astype({"year": "int64"}), on=KEY, how="left", suffixes=("", "_table"), indicator="found")
    shown, listed = merged["value"].astype("Float64"), merged["value_table"].astype("Float64")
    differs = (merged["found"] == "both") & ((shown.isna() != listed.isna())
                                             | ((shown - listed).abs() > 1e-9).fillna(False))
    for row in merged[differs].itertuples(index=False):
        out.append(Violation(name, int(row.row), _describe(row),
                             f"Karte {row.block} zeigt {row.value}, die Tabellen {row.value_table}."))
    unlisted = merged[differs | (merged["found"] == "left_only")]
    if len(unlisted):
        rule = rule or suppression.active_rule()
        population = disclosed.population(rule) if population is None else population
        stored = stored_cells(set(unlisted["indicator"]) - {""}) if stored is None else stored
        out += check_primary(unlisted[cells.columns], stored, rule, population, f"{name} (eingebettete Kartendaten)")
    return out


def read_table_csv(path: Path) -> pd.DataFrame:
    out = pd.read_csv(path, dtype={"area_code": str, "flag": str, "indicator": str, "group": str},
                      keep_default_na=False, na_values={"value": [""]})
    out["value"] = out["value"].astype("Float64")
    return out


# --- the area profiles (profile/: helpers.publish.profiles) ----------------------------------------

#: The folder of the area profiles beside the report.
PROFILES = paths.PROFILES


def _cells_of(keys: list[str], values: list[float | None], rows: list[int]) -> pd.DataFrame:
    parts = [key.split("|") for key in keys]
    frame = pd.DataFrame(parts, columns=KEY) if parts else pd.DataFrame(columns=KEY)
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    frame["value"] = pd.array(values, dtype="Float64")
    frame["row"] = rows
    return frame


def _table_values(table: pd.DataFrame) -> dict[tuple, float | None]:
    return {(r.indicator, r.area_level, str(r.area_code), int(r.year), r.group): (None if pd.isna(r.value) else float(r.value))
            for r in table[[*KEY, "value"]].itertuples(index=False)}


def rank_table(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Every published cell's (rank, cells ranked) among the published values of its level, year, indicator and
    group, highest first, equal values sharing the lowest rank; keyed indicator|level|code|year|group."""
    shown = table[table["value"].notna()]
    groups = shown.groupby(["indicator", "area_level", "year", "group"], sort=False)["value"]
    rank = groups.rank(method="min", ascending=False).astype(int)
    size = groups.transform("size").astype(int)
    keys = (shown["indicator"] + "|" + shown["area_level"] + "|" + shown["area_code"].astype(str) + "|"
            + shown["year"].astype(str) + "|" + shown["group"])
    return dict(zip(keys, zip(rank.tolist(), size.tolist())))


def _page_problems(name: str, page: profile_numbers.PageNumbers, published: dict, ranks: dict[str, tuple[int, int]],
                   years: set[int]) -> list[Violation]:
    """What a page shows that the tables do not publish as shown: cells, drawings, ranks, counts, strays."""
    out = []
    for cell in page.cells:
        key = tuple(cell.key.split("|"))
        shown = profile_numbers.german_number(cell.text)
        value = float(cell.value) if cell.value else None
        if (value is None) != (shown is None) or (value is not None and abs(value - shown) > 0.051):
            out.append(Violation(name, cell.line, cell.key, f"zeigt „{cell.text}“ für den Wert {cell.value or '(keinen)'}."))
        if len(key) == 5 and key[3].isdigit():
            table_key = (*key[:3], int(key[3]), key[4])
            if table_key in published and value is not None and (published[table_key] is None
                                                                 or abs(published[table_key] - value) > 1e-9):
                out.append(Violation(name, cell.line, cell.key, f"zeigt {value}, die Tabellen {published[table_key]}."))
    for drawing in page.drawings:
        points = []
        for key, _, y in drawing.circles:
            parts = key.split("|")
            found = published.get((*parts[:3], int(parts[3]), parts[4])) if len(parts) == 5 and parts[3].isdigit() else None
            if found is None:
                out.append(Violation(name, drawing.line, key or "Verlauf", "zeichnet einen Wert, den die Tabellen nicht "
                                                                          "veröffentlichen."))
            else:
                points.append((found, y))
        centres = {(round(x, 2), round(y, 2)) for _, x, y in drawing.circles}
        if any((round(x, 2), round(y, 2)) not in centres for x, y in drawing.points):
            out.append(Violation(name, drawing.line, "Verlauf", "die Linie hat Punkte, die kein veröffentlichter Wert sind."))
        values = [v for v, _ in points]
        if len(set(values)) > 1:  # the heights: one decreasing affine function of the values (drawn to 0.1)
            slope, offset = np.polyfit(values, [y for _, y in points], 1)
            if slope >= 0 or any(abs(offset + slope * v - y) > 0.1 for v, y in points):
                out.append(Violation(name, drawing.line, "Verlauf", "die Höhen der Punkte folgen nicht den veröffentlichten Werten."))
    for key, text, line in page.ranks:
        expected = ranks.get(key)
        shown = f"Rang {expected[0]} von {expected[1]}" if expected else None
        if text != shown:
            out.append(Violation(name, line, key, f"zeigt „{text}“, aus den Tabellen folgt „{shown or 'kein Rang'}“."))
    cat = catalogue.load()
    for key, text, line in page.labels:
        indicator, _, group = key.partition("|")
        try:
            expected = profile_numbers.row_label(indicator, group, cat)
        except KeyError:
            expected = None
        if text != expected:
            out.append(Violation(name, line, key, f"Beschriftung „{text}“ ist nicht die des Katalogs („{expected}“)."))
    for text, line in page.counts:
        if not text.isdigit():
            out.append(Violation(name, line, "Anzahl", f"„{text}“ ist keine Anzahl."))
    for year, line in page.years:
        if year not in years:
            out.append(Violation(name, line, "Jahr", f"{year} ist kein Jahr der Tabellen."))
    for token, context, line in page.strays:
        out.append(Violation(name, line, "Zahl", f"{token} ohne Herkunft („{context}“); jede Zahl eines Profils muss ein "
                                                 "veröffentlichter Wert, ein Rang, eine Anzahl oder ein Jahr sein."))
    return out


def check_profiles(folder: Path, table: pd.DataFrame, stored: pd.DataFrame | None = None,
                   rule: suppression.Rule | None = None, population: pd.Series | None = None) -> list[Violation]:
    """Every number of the area profiles in `folder` (profile/): each page's cells and drawings against the
    rule and the exported `table`, its ranks recomputed from the table, every other number refused; each
    area's CSV against the rule (primary and secondary) and the table."""
    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    csvs = sorted(folder.glob("*.csv"))
    if not pages and not csvs:
        return []
    rule = rule or suppression.active_rule()
    population = disclosed.population(rule) if population is None else population
    table = table.assign(area_code=table["area_code"].astype(str), year=table["year"].astype(int))
    published = _table_values(table)
    ranks = rank_table(table)
    years = set(table["year"]) | {int(folder.parent.name)} if folder.parent.name.isdigit() else set(table["year"])
    names = profile_numbers.area_names()
    read = [(f"{PROFILES}/{p.name}", profile_numbers.read_page(p.read_text(encoding="utf-8"), names)) for p in pages]
    frames = [(f"{PROFILES}/{p.name}", read_table_csv(p)) for p in csvs]
    ids = {c.key.split("|")[0] for _, page in read for c in page.cells}
    ids |= {key.split("|")[0] for _, page in read for d in page.drawings for key, _, _ in d.circles}
    ids = ids.union(*(set(f["indicator"]) for _, f in frames)) - {""}
    stored = stored_cells(ids) if stored is None else stored
    out: list[Violation] = []
    shown = []  # every page's and file's cells, named by file: the rule is checked once over all of them
    for name, page in read:
        out += _page_problems(name, page, published, ranks, years)
        cells = _cells_of([c.key for c in page.cells], [float(c.value) if c.value else None for c in page.cells],
                          [c.line for c in page.cells])
        drawn = [(key, published.get(tuple(key.split("|")[:3]) + (int(key.split("|")[3]), key.split("|")[4])), d.line)
                 for d in page.drawings for key, _, _ in d.circles if key.count("|") == 4 and key.split("|")[3].isdigit()]
        cells = pd.concat([cells, _cells_of([k for k, _, _ in drawn], [v for _, v, _ in drawn], [n for _, _, n in drawn])],
                          ignore_index=True)
        shown.append(cells.dropna(subset=["year"]).assign(file=name))
    shown += [frame.assign(file=name, row=frame.index + 1) for name, frame in frames]
    if shown:
        out += check_primary(pd.concat(shown, ignore_index=True), stored, rule, population, PROFILES)
    if frames:
        # The CSVs together, as a reader who downloads them all has them: no sum may have one secret cell.
        together = pd.concat([f.assign(file=name, row=f.index + 1) for name, f in frames], ignore_index=True)
        out += check_secondary(together.drop_duplicates(KEY), stored, PROFILES)
    if frames:
        # one merge for all files (file by file, row by row, as a merge per file gives them): 45 merges were
        # about a fifth of this check
        files = pd.concat([f.assign(**{FILE_COLUMN: name}) for name, f in frames], ignore_index=True)
        merged = files.merge(table[[*KEY, "value"]], on=KEY, how="left", suffixes=("", "_table"), indicator="in_table")
        for row in merged.itertuples(index=False):
            differs = (row.in_table != "both" or pd.isna(row.value) != pd.isna(row.value_table)
                       or (pd.notna(row.value) and abs(row.value - row.value_table) > 1e-9))
            if differs:
                out.append(Violation(getattr(row, FILE_COLUMN), 0, _describe(row), f"die Datei zeigt {row.value}, die Tabellen "
                                     f"{row.value_table if row.in_table == 'both' else 'keinen solchen Wert'}."))
    return out


#: The column that names a profile's file while check_profiles compares all files with the tables at once.
FILE_COLUMN = "profile_file"


#: check_profiles' findings by what it read (profiles_key): a build checks its staged profiles beside the kernels
#: (helpers.runner.alongside's profiles process: profile_findings, then keep_profile_findings) and check_run finds
#: the result here, once, while nothing changed; about 4 s of a clean Münster build that no longer wait for the
#: last chapter.
_profiles_checked: dict[str, list[Violation]] = {}
_profiles_lock = threading.Lock()


def profiles_key(folder: Path, table: pd.DataFrame, rule: suppression.Rule) -> str:
    """What a check of the profiles depends on: every page's and file's bytes, the tables' cells, the rule (the
    stored counts do not change under a build: helpers.core.storelock)."""
    digest = hashlib.sha256(repr(rule).encode())
    for path in sorted(Path(folder).glob("*.html")) + sorted(Path(folder).glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    cells = table[[*KEY, "value"]].astype({"area_code": str, "year": int, "value": "Float64"})
    digest.update(pd.util.hash_pandas_object(cells, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def profile_findings(folder: Path, tables: list[Path]) -> tuple[str, list[Violation]]:
    """(profiles_key, check_profiles' findings) of the staged profiles against the staged tables; made ahead,
    possibly in another process (helpers.runner.alongside), and kept with `keep_profile_findings`."""
    rule = suppression.active_rule()
    table = pd.concat([read_table_csv(p) for p in tables], ignore_index=True)
    return profiles_key(folder, table, rule), check_profiles(folder, table, rule=rule)


def keep_profile_findings(key: str, found: list[Violation]) -> None:
    """Keep findings made ahead for check_run, which uses them while the pages, files, tables and rule are those
    of `key`."""
    with _profiles_lock:  # only this build's: a later build in the same process checks for itself
        _profiles_checked.clear()
        _profiles_checked[key] = list(found)


def checked_profiles(folder: Path, table: pd.DataFrame, stored: pd.DataFrame | None = None,
                     rule: suppression.Rule | None = None, population: pd.Series | None = None) -> list[Violation]:
    """check_profiles, or its findings made ahead (keep_profile_findings) if the pages, files, tables and rule are the same."""
    rule = rule or suppression.active_rule()
    with _profiles_lock:  # used once: the release's check of the build that checked ahead
        ahead = _profiles_checked.pop(profiles_key(folder, table, rule), None) if _profiles_checked else None
    if ahead is not None:
        return list(ahead)
    return check_profiles(folder, table, stored=stored, rule=rule, population=population)


def check_run(year_dir: Path, rule: suppression.Rule | None = None, tables: list[Path] | None = None,
              records_from: Path | None = None, profiles: Path | None = None,
              report: Path | None = None) -> list[Violation]:
    """All violations in the outputs of one run (empty: publishable).

    `tables`: the indicator tables to check (default: those in year_dir/tables; a build passes the
    staged ones it is about to publish); `records_from`: the folder whose published/ holds the chapters'
    records (default year_dir; a build passes its staging folder); `profiles`: the folder of the area profiles
    (default year_dir/profile; a build passes the staged ones if it made them); `report`: the HTML report
    whose embedded numbers are read (default: report.html in that folder)."""
    year_dir = Path(year_dir)
    rule = rule or suppression.active_rule()
    tables = sorted((year_dir / "tables").glob("indikatoren_*.csv")) if tables is None else tables
    records = register.read_records(records_from or year_dir)
    frames = [(f"tables/{p.name}", read_table_csv(p)) for p in tables]
    ids = set(records["indicator"]).union(*(set(f["indicator"]) for _, f in frames)) - {""}
    stored = stored_cells(ids)
    population = disclosed.population(rule)
    unknown = sorted(ids - {ind.id for ind in catalogue.load().indicators})
    out: list[Violation] = [Violation("", 0, ind, "Indikator fehlt im Katalog; seine Werte können nicht geprüft werden.")
                            for ind in unknown]
    for name, frame in frames:
        out += check_primary(frame, stored, rule, population, name)
        out += check_secondary(frame, stored, name)
        out += check_consistency(records, frame, name)
    for chapter, rows in records.groupby("chapter", sort=True):
        rows = rows[rows["indicator"] != ""]
        out += check_primary(rows, stored, rule, population, f"published/{chapter}.csv")
    if frames:
        out += checked_profiles(profiles or year_dir / PROFILES, pd.concat([f for _, f in frames], ignore_index=True),
                                stored=stored, rule=rule, population=population)
    out += check_embedded(report or Path(records_from or year_dir) / REPORT, [f for _, f in frames], rule=rule,
                          population=population, stored=stored,
                          pair_tables=published_pairs(year_dir, Path(records_from or year_dir)))
    if year_dir.name.isdigit():
        out += check_texts(int(year_dir.name), records)
    return out


def check_texts(year: int, records: pd.DataFrame | None = None) -> list[Violation]:
    """The staff texts of the year: a typed number equal to a value the rule hides at its place
    (helpers.disclosure.textcheck; a stale number is the build's business, not a breach)."""
    try:
        problems = textcheck.check(year, stop_on_stale=False, shown=records if records is not None and len(records) else None)
    except texts.TextError as err:
        return [Violation("data/<stadt>/texte", 0, "Text", str(err))]
    return [Violation(p.where.file, p.where.row, "Text", p.message) for p in problems if p.kind == "geheim"]


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Veröffentlichte Zahlen eines Laufs gegen die Geheimhaltungsregel prüfen")
    parser.add_argument("year_dir", type=Path, help="Ausgabeordner eines Berichtsjahrs, z. B. outputs/muenster/2014")
    args = parser.parse_args(argv)
    problems = check_run(args.year_dir)
    for p in problems[:50]:
        print(f"  {p}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} Verstoß/Verstöße gegen die Geheimhaltungsregel.", file=sys.stderr)
        return 1
    print("Geheimhaltung geprüft: keine Verstöße.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
