"""`make bench`'s floor (issue 18): chapters one after another in ONE kernel, reset between them; the
explorable report's measurements (issue 30, benchmarks/bench_explore.py).

Correctness only, no timing: the measurement itself is benchmarks/report_bench.py.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest


def _bench(name: str = "report_bench"):
    path = Path(__file__).parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         *(nbformat.v4.new_code_cell(c) for c in cells)])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


@pytest.mark.slow
def test_the_floor_runs_the_chapters_in_one_kernel_and_resets_it_between_them(tmp_path):
    first = _notebook(tmp_path / "01_a.ipynb", "import os\nleft_over = report_year\nos.chdir('/')\n"
                                               "print('pid', os.getpid())")
    second = _notebook(tmp_path / "02_b.ipynb", "import os\nprint('pid', os.getpid())\n"
                                                "print('left_over' in dir(), report_year, extra, os.getcwd())")
    done = _bench().run_in_one_kernel([(first, {"report_year": 2014}), (second, {"report_year": 2015, "extra": "x"})],
                                      dict(os.environ), tmp_path)
    a, b = (_stdout(nb) for nb in done["executed"])
    assert a.split()[1] == b.split()[1]  # one kernel for both chapters
    assert b.splitlines()[1] == f"False 2015 x {tmp_path}"  # namespace reset, parameters injected, folder restored
    assert list(done["per_chapter_s"]) == ["01_a.ipynb", "02_b.ipynb"] and done["seconds"] > 0


@pytest.mark.slow
def test_a_failing_chapter_stops_the_floor_with_a_german_message_naming_it(tmp_path):
    good = _notebook(tmp_path / "01_a.ipynb", "x = 1")
    bad = _notebook(tmp_path / "02_b.ipynb", "y = 2", "raise ValueError('kaputt')")
    with pytest.raises(SystemExit, match=r"Kapitel 02_b\.ipynb ist im gemeinsamen Kernel fehlgeschlagen, Zelle 3: "
                                         r"ValueError: kaputt"):
        _bench().run_in_one_kernel([(good, {"report_year": 2014}), (bad, {"report_year": 2014})],
                                   dict(os.environ), tmp_path)


# --- issue 30: the explorable report's budgets ---------------------------------------------------------

def test_the_build_time_is_compared_with_the_code_before_the_interactive_parts(tmp_path):
    explore = _bench("bench_explore")
    before = explore.old_code(tmp_path)
    if before is None:
        pytest.skip("kein Git-Verlauf mit dem alten Stand (z. B. ein entpacktes Archiv)")
    assert (before / "src" / "helpers" / "runner" / "report.py").exists()
    # the old code has neither the area profiles nor the interactive maps
    assert not (before / "src" / "helpers" / "publish" / "profiles.py").exists()
    assert not (before / "src" / "helpers" / "figures" / "interactive.py").exists()


PAGE = """<!doctype html><html lang="de"><head><title>t</title></head><body>
<div style="height:3000px"></div><img class="figure" alt="Karte" src="data:,">
<div class="im-interaktiv"><div class="im-ansicht"></div></div>
<script>
window.addEventListener('load', function () {
  setTimeout(function () { var t = performance.now(); while (performance.now() - t < 300) {} }, 50);
  new IntersectionObserver(function (entries) {
    if (entries[0].isIntersecting) setTimeout(function () {
      document.querySelector('.im-ansicht').innerHTML = '<svg width="10" height="10"></svg>'; }, 400);
  }).observe(document.querySelector('.im-interaktiv'));
});
</script></body></html>"""


@pytest.mark.slow
def test_opening_a_page_measures_load_first_map_and_long_tasks(tmp_path):
    """A page whose map is drawn 400 ms after it is scrolled to, with a 300 ms task after load."""
    explore = _bench("bench_explore")
    if explore.chromium() is None:
        pytest.skip("Chromium nicht installiert")
    page = tmp_path / "report.html"
    page.write_text(PAGE, encoding="utf-8")
    found = explore.open_in_browser(page, runs=1)
    assert found["load_ms"] > 0
    assert 350 <= found["first_map_after_scroll_ms"] < 5000
    assert found["first_map_ms"] >= found["load_ms"] + found["first_map_after_scroll_ms"] - 1
    assert found["long_tasks_after_load"] >= 1 and found["longest_after_load_ms"] >= 250
    assert found["runs"][0]["blocked_requests"] == []
