"""The correlation explorer's table of pairs as a file: its columns, its CSV, and where and under which name it goes.

The report build's chapter kernel writes the report's table of pairs into the report's tables
(outputs/<city>/<year>/tables/korrelationen_<level>_<year>.csv, published with the report); every
other run (papermill by hand, JupyterLab, the notebooks in notebooks/explore/) is a research run
and writes into outputs/<city>/<year>/forschung/ or a folder of its own, never into tables/, under a
name that states the selection, so that one selection never overwrites another's export.
helpers.sections.explorer calls `write_pairs` and shows the sentence it returns.

    >>> research_file_name(["alo_dichte:foreign", "mv_anteil"], "stadtteil", 2012, weighted=True)
    'korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.core import context, paths
from helpers.core.fileio import write_text_atomic
from helpers.stats.correlation import CorrelationError, CorrelationMatrix

#: Columns of the table of pairs (`CorrelationResult.pairs`) and of its CSV export, in order:
#: year and area level; each side's indicator id and group ("total" or e.g. "foreign"); method,
#: whether and by what weighted; r, p, Benjamini-Hochberg p; areas n and Kish's n_eff of the
#: pair; synthetic (True if either side contains demo data).
EXPORT_COLUMNS = ["year", "level", "indicator_a", "group_a", "indicator_b", "group_b", "method", "weighted",
                  "weighting", "r", "p", "p_bh", "n", "n_eff", "synthetic"]
#: The report's folder of tables under outputs/<city>/<year>/: only the report build writes there.
REPORT_TABLES = "tables"
#: Where a research run writes its exports by default: outputs/<city>/<year>/forschung/ (no build reads or deletes it).
RESEARCH_FOLDER = "forschung"
#: The methods a research export's name leaves out (the notebook's default).
DEFAULT_METHODS = ("pearson", "spearman")
#: Longest selection part of a research export's name; a longer one is shortened to the first
#: indicator, the number of the others and a checksum of all (paths on Windows stay short).
MAX_SELECTION_NAME = 60


def pairs_frame(result: CorrelationMatrix, table: pd.DataFrame) -> pd.DataFrame:
    """The statistics' pairs with year, level, each side's indicator and group, and the demo-data mark."""
    long = result.long
    ids, groups, synthetic = table.attrs["indicators"], table.attrs["groups"], table.attrs["synthetic"]
    return pd.DataFrame({
        "year": table.attrs["year"], "level": table.attrs["level"],
        "indicator_a": long["indicator_a"].map(ids), "group_a": long["indicator_a"].map(groups),
        "indicator_b": long["indicator_b"].map(ids), "group_b": long["indicator_b"].map(groups),
        **{c: long[c] for c in ["method", "weighted", "weighting", "r", "p", "p_bh", "n", "n_eff"]},
        "synthetic": [bool(synthetic[a] or synthetic[b]) for a, b in zip(long["indicator_a"], long["indicator_b"])],
    })[EXPORT_COLUMNS]


def to_csv(pairs: pd.DataFrame, path: Path | str) -> Path:
    """Write the table of pairs for machines (EXPORT_COLUMNS): UTF-8, dot decimal, atomically."""
    missing = [c for c in EXPORT_COLUMNS if c not in pairs.columns]
    if missing:
        raise CorrelationError(f"Keine Tabelle der Paare: Spalte(n) {', '.join(missing)} fehlen.")
    path = Path(path)
    write_text_atomic(path, pairs[EXPORT_COLUMNS].to_csv(index=False, float_format="%.10g", lineterminator="\n"))
    return path


def report_build() -> bool:
    """Whether this process is a chapter kernel of the report build (it records what it shows)."""
    return context.current().recording


def research_folder(year: int) -> Path:
    """Where a research run of `year` writes its exports by default: outputs/<city>/<year>/forschung/."""
    return paths.year_outputs(year) / RESEARCH_FOLDER


def research_file_name(keys: Sequence[str], level: str, year: int, methods: Sequence[str] = DEFAULT_METHODS,
                       weighted: bool = False) -> str:
    """The name of a research export: the selection in words, so one selection never replaces another's.

    korrelationen_<level>_<year>_<keys joined by +>[_<methods>][_gewichtet].csv, ":" of a group as "-";
    the methods only when they are not both. A selection part longer than MAX_SELECTION_NAME becomes
    "<first key>+<n>-weitere-<checksum of all keys>".

    >>> research_file_name(["alo_dichte:foreign", "mv_anteil"], "stadtteil", 2012, weighted=True)
    'korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv'
    """
    safe = [re.sub(r"[^0-9A-Za-z_-]", "-", key) for key in keys]
    selection = "+".join(safe)
    if len(selection) > MAX_SELECTION_NAME:
        digest = hashlib.sha256("+".join(keys).encode("utf-8")).hexdigest()[:8]
        selection = f"{safe[0]}+{len(safe) - 1}-weitere-{digest}"
    parts = ["korrelationen", level, str(year), selection]
    if set(methods) != set(DEFAULT_METHODS):
        parts.append("-".join(sorted(set(methods))))
    if weighted:
        parts.append("gewichtet")
    return "_".join(parts) + ".csv"


def research_target(folder: Path | str, name: str) -> Path:
    """The research export's path; CorrelationError if `folder` is (in) a report's tables/ folder."""
    folder = Path(folder).expanduser().resolve()
    for base in {Path(paths.OUTPUTS).resolve(), (context.REPOSITORY / "outputs").resolve()}:
        if folder.is_relative_to(base) and REPORT_TABLES in folder.relative_to(base).parts:
            raise CorrelationError(f"Der Exportordner {folder} gehört zu den Tabellen eines Berichts; dorthin "
                                   f"schreibt nur der Bericht selbst. Bitte einen anderen Ordner angeben oder "
                                   f"keinen (dann {RESEARCH_FOLDER}/ neben tables/).")
    return folder / name


def write_pairs(pairs: pd.DataFrame, *, level: str, year: int, report_year: int, keys: Sequence[str],
                methods: Sequence[str], weighted: bool, export_dir: Path | str | None) -> tuple[Path, str]:
    """Write the table of pairs: the report's in a report build, a research export otherwise.

    `level` and `year` are those of the pairs (the year shown), `report_year` the year asked
    for, whose outputs folder receives the file. Returns the path written and the sentence that
    says where, for the reader.
    """
    if report_build():
        if export_dir is not None:
            raise CorrelationError("Ein eigener Exportordner (export_ordner) gilt nur für Forschungsläufe; im "
                                   "Bericht steht die Tabelle der Paare immer im Tabellenordner des Berichts.")
        folder = paths.year_outputs(report_year) / REPORT_TABLES
        path = to_csv(pairs, folder / f"korrelationen_{level}_{year}.csv")
        return path, (f"Die vollständige Tabelle steht als CSV unter `{path.name}` im Ausgabeordner "
                      f"`{folder.name}/`.")
    name = research_file_name(keys, level, year, methods, weighted)
    target = research_target(research_folder(report_year) if export_dir is None else export_dir, name)
    again = target.is_file()
    path = to_csv(pairs, target)
    return path, (f"**Forschungsausgabe** (nicht Teil des Berichts): Die Tabelle aller Paare steht als CSV unter "
                  f"`{target}`" + (" (ersetzt die frühere Ausgabe derselben Auswahl)." if again else "."))
