"""The whole path of a new reporting year: deliveries in, one command, report for that year.

Runs the commands as city staff would (ingest, then the runner) in subprocesses on a copy
of the committed data (its run context's root), so the committed files are never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context, paths
from helpers.core.formatting import NBSP, THIN

pytestmark = pytest.mark.notebooks
NEW_YEAR = 2021  # the year after the committed data (residents to 2020, migration groups to 2019)


def _run(module: str, *args: str, root: Path) -> subprocess.CompletedProcess:
    env = context.RunContext(root=root).environ()
    return subprocess.run([sys.executable, "-m", module, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def _stored(year: int) -> pd.DataFrame:
    """The committed real counts of one year (both sexes, all ages): SMS to 2014, open data after."""
    frames = [pd.read_csv(paths.OBSERVATIONS_DIR / name, dtype={"area_code": str}, keep_default_na=False)
              for name in ("sms.csv", "opendata.csv")]
    real = pd.concat(frames, ignore_index=True)
    return real[(real["year"] == year) & (real["sex"] == "total") & (real["age"] == "total")]


def _sms_2014() -> pd.DataFrame:
    return _stored(2014)


def _delivery(folder: Path) -> tuple[Path, int, int]:
    """Population (total, with MV) per Stadtteil a little above 2019, unemployed a little below 2014."""
    lines = ["Jahr;Stadtteil-Nr;Merkmal;Herkunft;Wert"]
    totals = {"total": 0, "migration": 0}
    for measure, origin, factor, base in [("population", "total", 1.01, 2019), ("population", "migration", 1.04, 2019),
                                          ("unemployed", "total", 0.98, 2014)]:
        st = _stored(base)
        st = st[st["area_level"] == "stadtteil"]
        part = st[(st["measure"] == measure) & (st["origin"] == origin)]
        for code, value in zip(part["area_code"], part["value"]):
            new = round(int(value) * factor)
            if measure == "population":
                totals[origin] += new
            lines.append(f"{NEW_YEAR};{code};{measure};{origin};{new:,}".replace(",", "."))  # thousands dot
    path = folder / f"lieferung_{NEW_YEAR}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return path, totals["migration"], totals["total"]


def _revision_2014(folder: Path) -> tuple[Path, int]:
    """A corrected 2014 city count of unemployed foreigners (published value + 10)."""
    sms = _sms_2014()
    old = sms[(sms["area_level"] == "stadt") & (sms["measure"] == "unemployed") & (sms["origin"] == "foreign")]
    new = int(old["value"].iloc[0]) + 10
    path = folder / "korrektur_2014.csv"
    path.write_text(f"Jahr;Ebene;Gebiet-Nr;Merkmal;Herkunft;Wert\n2014;Stadt;05515000;unemployed;foreign;{new}\n",
                    encoding="utf-8")
    return path, new


@pytest.fixture(scope="module")
def new_year(tmp_path_factory):
    root = tmp_path_factory.mktemp("stadt")
    shutil.copytree(paths.DATA, root / "data" / paths.CITY)
    shutil.copytree(paths.NOTEBOOKS, root / "notebooks" / paths.CITY)
    shutil.copytree(paths.ROOT / "config", root / "config")
    inbox = root / "eingang"
    inbox.mkdir()
    delivery, migration, population = _delivery(inbox)
    correction, revised = _revision_2014(inbox)
    return root, delivery, correction, migration, population, revised


def test_new_year_from_delivery_to_report(new_year):
    root, delivery, correction, migration, population, revised = new_year
    # Before the delivery there are no data for the new year: refused before any kernel starts.
    refused = _run("helpers.runner", "--year", str(NEW_YEAR), root=root)
    assert refused.returncode == 2 and f"Für das Berichtsjahr {NEW_YEAR} liegen keine Daten vor" in refused.stderr

    stored = _run("helpers.intake.ingest", str(delivery), root=root)
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert "135 Werte neu" in stored.stdout
    assert (root / "data" / paths.CITY / "raw" / str(NEW_YEAR) / delivery.name).read_bytes() == delivery.read_bytes()

    # A changed 2014 value is refused without --revise, stored and flagged with it.
    plain = _run("helpers.intake.ingest", str(correction), root=root)
    assert plain.returncode == 1 and "--revise" in plain.stdout + plain.stderr
    with_revise = _run("helpers.intake.ingest", str(correction), "--revise", root=root)
    assert with_revise.returncode == 0, with_revise.stdout + with_revise.stderr
    log = pd.read_csv(root / "data" / paths.CITY / "delivery_revisions.csv", dtype=str)
    assert log["new_value"].tolist() == [str(revised)]

    # the chapters the assertions read: context, summary (data status), Arbeit und Wirtschaft (gap table)
    built = _run("helpers.runner", "--year", str(NEW_YEAR), "--ohne-pdf", "--kapitel", "00", "01", "02", root=root)
    assert built.returncode == 0, built.stdout + built.stderr
    html = (root / "outputs" / paths.CITY / str(NEW_YEAR) / "report.html").read_text(encoding="utf-8")
    assert f"Integrationsmonitoring Münster {NEW_YEAR}" in html
    # The city's MV share in the new year is the sum of the delivered Stadtteile (no unassigned persons delivered).
    share = f"{migration / population * 100:.1f}".replace(".", ",")
    grouped = lambda n: f"{n:,}".replace(",", THIN)  # noqa: E731
    assert (f"{NEW_YEAR} lag der Wert „Anteil der Bevölkerung mit Migrationsvorgeschichte“ in Münster bei "
            f"<strong>{share}{NBSP}%</strong> ({grouped(migration)} von {grouped(population)})") in html
    # Indicators without data in the new year show their latest year, labelled, and the summary lists them.
    assert f"Für {NEW_YEAR} liegen noch keine Daten vor; gezeigt wird das letzte verfügbare Jahr 2019." in html
    status = html.split('class="data-status"', 1)[1].split("</div>", 1)[0]
    assert "Ausländeranteil" in status and "gezeigt wird 2019" in status
    assert "Anteil der Bevölkerung mit Migrationsvorgeschichte (" not in status
    # The revised 2014 count marks the published rates built from it with r (gap table, both groups).
    gap = html.split("Abstand zwischen den Gruppen „Ausländer/-innen“ und „Deutsche“", 1)[1].split("</table>", 1)[0]
    row_2014 = gap.split("<td>2014</td>", 1)[1].split("</tr>", 1)[0]
    assert row_2014.count(f"{NBSP}r</td>") == 2
