"""The worked research notebooks in notebooks/explore/: committed clean, outside the report, and they run."""

from __future__ import annotations

import json

import papermill as pm
import pytest

from helpers.core import context, paths
from helpers.runner import plan
from notebook_execution import execute_notebook

EXPLORE = paths.NOTEBOOKS / "explore"
NOTEBOOKS = sorted(EXPLORE.glob("*.ipynb"))


def test_at_least_two_clean_notebooks_outside_the_report():
    assert {"arbeitslosigkeit_auslaender.ipynb", "segregation_und_wandel.ipynb"} <= {p.name for p in NOTEBOOKS}
    assert not set(NOTEBOOKS) & set(plan.chapter_notebooks())
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        assert text == json.dumps(nb, indent=1, ensure_ascii=False) + "\n", path.name
        ids = [c["id"] for c in nb["cells"]]
        assert len(ids) == len(set(ids)), path.name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), path.name
        assert code[0]["metadata"].get("tags") == ["parameters"], path.name


def _run(path, tmp_path, monkeypatch, **parameters) -> str:
    """Execute with papermill on the committed data; all Markdown the notebook displayed, joined."""
    monkeypatch.setenv(context.ENV, context.RunContext(outputs=tmp_path).to_json())
    out = execute_notebook(str(path), str(tmp_path / path.name), parameters=parameters, kernel_name="python3",
                              progress_bar=False, cwd=str(path.parent))
    assert not [o for c in out.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    return "\n".join(o["data"]["text/markdown"] for c in out.cells if c.cell_type == "code" for o in c.outputs
                     if "text/markdown" in o.get("data", {}))


@pytest.mark.notebooks
def test_unemployment_of_foreigners_from_counts_to_correlation(tmp_path, monkeypatch):
    text = _run(EXPLORE / "arbeitslosigkeit_auslaender.ipynb", tmp_path, monkeypatch)
    assert "Größte Abweichung zwischen Handrechnung und `compute.values`: 0; fehlende Werte an denselben Stellen: ja." in text
    # 2012: Dom, Martini, Pluggendorf and Schloss have no rate for foreigners (the city gives none, flag '.').
    assert "veröffentlichbare Werte für **41 von 45 Stadtteilen**; ohne Wert (Zeichen „.“): Dom, Martini, " in text
    # The researcher's answer pinned in tests/test_correlation.py: r 0.3843, n 41, Kish n_eff 32.6486.
    assert "Pearson (gewichtet nach Einwohnerzahl), 2012: **r = 0,38** über 41 Stadtteile (effektiv nach Kish 32,6)" in text
    # Its table of pairs is a research export: outputs/<year>/forschung/, never the report's tables/ (issue 26).
    export = tmp_path / "2012" / "forschung" / "korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv"
    assert f"Die Tabelle aller Paare steht als CSV unter `{export}`." in text
    assert export.is_file() and not list(tmp_path.rglob("tables"))


@pytest.mark.notebooks
def test_segregation_and_change(tmp_path, monkeypatch):
    text = _run(EXPLORE / "segregation_und_wandel.ipynb", tmp_path, monkeypatch)
    # D for MV vs non-MV over the 45 Stadtteile: 0.2096 (2010), 0.2039 (2014), as chapter 07 shows (tests/test_report.py).
    assert ("Dissimilarität mit Migrationsvorgeschichte gegenüber ohne Migrationsvorgeschichte: 2010 D = 0,210, "
            "2014 D = 0,204") in text
    assert "Stärkster Anstieg 2010–2014 in Prozentpunkten: Bahnhof (5,7)" in text
    assert "Pearson: r = 0,01 (n = 45 Stadtteile" in text


@pytest.mark.notebooks
def test_parameters_are_checked(tmp_path, monkeypatch):
    with pytest.raises(pm.PapermillExecutionError, match="Unbekannte\\(r\\) Parameter: jhar"):
        _run(EXPLORE / "arbeitslosigkeit_auslaender.ipynb", tmp_path, monkeypatch, jhar=2013)
