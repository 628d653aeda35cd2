"""Tidy counts from the series "SMS – Statistik für Münsters Stadtteile" (pdftotext layout text).

Run: ``python -m helpers.sources.muenster.sms --src /work/shared/data/muenster --out data``.

This module reads one publication after another and writes data/<city>/observations/sms.csv with its
revisions and checks; the steps live beside it:

* Each page of a publication holds one table. A `TableSpec` (`sms_tables`) recognises the table
  by its title and says what its columns are (count 'n' or percent 'p', and which observation
  each count is) and which constraints the table itself defines (parts sum to a total, a
  printed share equals count/base).
* Rows are segmented with `sms_text.segmentations`; among the candidates the one satisfying
  the row's constraints, then the vertical sums (Stadtteile -> Teilbereich/Stadtbezirk ->
  Stadt), then the column positions wins (`sms_rows`). A tie that none of these resolves is an
  error naming file, line and row – never a silent guess.
* The same figure appears in several editions (time series repeat earlier years). The newest
  edition wins; within an edition the cross-section table beats the time series. Every
  differing older value goes to the revisions table (`sms_editions`).
* Checks (sums across areas and within rows, Stadtteile + "nicht zuzuordnen" = Stadt,
  male + female = total, German + foreign = total, the households of each size = all households)
  are reported, not fatal (`sms_checks`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import arguments, model
from helpers.core.fileio import write_atomic
from helpers.sources.muenster import DATA
from helpers.sources.muenster.sms_checks import (
    CHECK_COLUMNS,
    check_city,
    check_measure_parts,
    check_merged_sexes,
    check_origins,
    check_row,
    check_sexes,
    check_vertical,
)
from helpers.sources.muenster.sms_editions import derive_sums, merge
from helpers.sources.muenster.sms_households import SIZES, households_spec
from helpers.sources.muenster.sms_rows import Row, resolve
from helpers.sources.muenster.sms_tables import SPEC_BUILDERS, header_lines, table_title
from helpers.sources.muenster.sms_text import SmsParseError, data_rows, page_title, pages, segmentations

SERIES_NAMES = {
    "Migration": "SMS Migration",
    "Arbeitslose": "SMS Arbeitslose",
    "Bevoelkerung": "SMS Bevölkerung",
    "Beschaeftigte": "SMS Beschäftigte",
    "Haushalte": "SMS Haushalte",
}
#: The table specs of every series the parser reads (the households' own module beside the others).
BUILDERS = {**SPEC_BUILDERS, "Haushalte": households_spec}
#: Name of the check that the households of each size add up to all households (tables of their own).
SIZES_CHECK = "Haushalte nach Größe = Haushalte insgesamt"


@dataclass
class Parsed:
    """One publication read: its observation records (with provenance) and its checks' deviations."""

    records: list[dict]
    checks: list[dict]


def parse_text(text: str, file: str, series: str, edition: int) -> Parsed:
    """Parse one publication's text into observation records (with provenance) and checks."""
    records: list[dict] = []
    checks: list[dict] = []
    builder = BUILDERS[series]
    for page in pages(text):
        title = page_title(page)
        head = "\n".join(line.text for line in header_lines(page))
        try:
            spec = builder(title, head, page, edition)
        except SmsParseError as err:
            raise SmsParseError(f"{file}, Zeile {page[0].number}: {err}") from None
        if spec is None:
            continue
        rows: list[Row] = []
        for line, area, tokens in data_rows(page, file):
            if area is None:
                continue
            cands = segmentations(tokens, spec.kinds)
            rows.append(Row(line, area[0], area[1], tokens, cands))
        if not rows:
            continue
        resolve(spec, rows, file)
        spec.title = table_title(page)
        source = f'{SERIES_NAMES[series]} {edition}, "{spec.title}"'
        if spec.note:
            source += f" ({spec.note})"

        def year_of(name: str) -> int:
            col = next(c for c in spec.cols if c.name == name)  # noqa: B023 - called within this iteration
            return col.obs[0] if col.obs else edition

        for row in rows:
            check_row(file, spec, row, checks, year_of)
            vals = row.values()
            for i, col in enumerate(spec.cols):
                if col.obs is None:
                    continue
                value, flag = vals[i]
                records.append(_record(col.obs, row, value, flag, source, file, edition, spec.rank))
            for _name, parts, obs in spec.derived:
                idx = [next(i for i, c in enumerate(spec.cols) if c.name == p) for p in parts]
                pv = [vals[i] for i in idx]
                if any(v is None for v, _ in pv):
                    value, flag = None, "."
                else:
                    value = int(sum(v for v, _ in pv))
                    flag = "r" if any(f == "r" for _, f in pv) else ("-" if value == 0 else "")
                records.append(_record(obs, row, value, flag, source, file, edition, spec.rank))
        check_vertical(file, spec, rows, checks)
        check_city(file, spec, rows, checks)
    check_sexes(file, records, checks)
    check_origins(file, records, checks)
    check_measure_parts(file, records, checks, "households", SIZES, SIZES_CHECK)
    return Parsed(records, checks)


def _record(obs: tuple, row: Row, value, flag: str, source: str, file: str, edition: int, rank: int) -> dict:
    year, measure, sex, origin, age = obs
    return dict(year=year, area_level=row.level, area_code=row.code, measure=measure, sex=sex,
                origin=origin, age=age, value=None if value is None else int(value), flag=flag,
                synthetic=False, source=source, file=file, line=row.line.number, edition=edition, rank=rank)


def source_files(src: Path) -> list[tuple[Path, str, int]]:
    """(path, series, edition) of every text file the parser understands."""
    out = []
    for path in sorted((Path(src) / "sms-text").glob("SMS_*_*.pdf.txt")):
        m = re.fullmatch(r"SMS_(\w+?)_(\d{4})\.pdf\.txt", path.name)
        if m and m.group(1) in BUILDERS:
            out.append((path, m.group(1), int(m.group(2))))
    return out


def build(src: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(observations, revisions, checks) from the source folder (containing sms-text/)."""
    records: list[dict] = []
    checks: list[dict] = []
    files = source_files(Path(src))
    if not files:
        raise SmsParseError(f"{Path(src) / 'sms-text'}: keine Dateien SMS_<Reihe>_<Jahr>.pdf.txt gefunden")
    for path, series, edition in files:
        parsed = parse_text(path.read_text(encoding="utf-8"), path.name, series, edition)
        records += parsed.records
        checks += parsed.checks
    obs, revisions = merge(records)
    obs = check_merged_sexes(obs, revisions, checks)
    obs = model.OBSERVATIONS.validate(derive_sums(obs, checks))
    check_df = pd.DataFrame(checks, columns=CHECK_COLUMNS)
    return obs, revisions, check_df


def summary(obs: pd.DataFrame, revisions: pd.DataFrame, checks: pd.DataFrame) -> str:
    """What `make data` prints: rows and years per measure, revisions and deviating checks per file."""
    lines = ["Beobachtungen je Merkmal:"]
    for measure, g in obs.groupby("measure"):
        lines.append(f"  {measure}: {len(g)} Zeilen, Jahre {g['year'].min()}–{g['year'].max()}")
    lines.append(f"Revisionen: {len(revisions)}")
    lines.append(f"Prüfungen mit Abweichung: {len(checks)}")
    for file, g in checks.groupby("file"):
        counts = ", ".join(f"{k}: {v}" for k, v in g["check"].value_counts().items())
        lines.append(f"  {file}: {counts}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit sms-text/")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    try:
        obs, revisions, checks = build(args.src)
    except SmsParseError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    write_atomic(args.out / "observations" / "sms.csv", lambda p: obs.to_csv(p, index=False))
    write_atomic(args.out / "sms_revisions.csv", lambda p: revisions.to_csv(p, index=False))
    write_atomic(args.out / "sms_checks.csv", lambda p: checks.to_csv(p, index=False))
    print(summary(obs, revisions, checks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
