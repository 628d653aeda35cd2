"""`make bench`: what the runner saves, measured in one run on the committed data.

Builds of the same report, each in its own copy of the inputs and code (its run context's root,
with the copy's src/ first on PYTHONPATH) so the working tree is never touched:
1. baseline: every chapter notebook one after another with the papermill command line, then
   `jupyter nbconvert --to html` on each (what a team without the runner would script);
2. clean: `python -m helpers.build.runner` on an empty outputs folder (parallel kernels, PDF, tables,
   disclosure check, manifest);
3. no change: the same command again;
4. one notebook changed: a comment added to one code cell of one chapter, then the command again
   (and once more with --ohne-pdf, to show the share of the PDF rendering). The target compares
   it with that chapter's own time as the runner printed it in the same run;
5. one section module changed: a comment appended to helpers/sections/explorer.py in the copy,
   then the command again; only the chapters whose notebooks reach that module (Münster: 14) re-run,
   and the bench prints how many did.
With CITY=<name> (IM_CITY) the same builds run on that city's inputs (cities/<name>/; its changed
notebook is its first chapter that exists, if Münster's chapter 07 is not one of its own).
Peak resident memory of every kernel is sampled during the clean build (psutil).
Prints a table and writes outputs/bench.json; the targets of issue 7 are evaluated, not assumed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.build.verify import copy_inputs  # noqa: E402
from helpers.core import arguments, context, paths  # noqa: E402
from helpers.core.fileio import write_text_atomic  # noqa: E402

BIN = Path(sys.executable).parent
CHANGED = "07_stadtteil_und_quartiersentwicklung.ipynb"  # a mid-sized chapter
#: A section module reached by one chapter's notebook only (the correlation explorer: chapter 14).
CHANGED_MODULE = "src/helpers/sections/explorer.py"


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


class KernelMemory:
    """Samples the resident memory of every ipykernel process below this one."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for proc in me.children(recursive=True):
                try:
                    if "ipykernel" in " ".join(proc.cmdline()):
                        self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), proc.memory_info().rss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            time.sleep(interval)

    def __enter__(self) -> KernelMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"Fehler bei {' '.join(cmd)}:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def workspace(base: Path, name: str) -> tuple[Path, dict]:
    root = base / name
    root.mkdir()
    copy_inputs(paths.ROOT, root)  # the chosen city's inputs; the repository's notebooks and code where it has none
    env = {**context.RunContext(root=root, outputs=root / "outputs").environ(),
           "PYTHONPATH": os.pathsep.join([str(root / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return root, env


def baseline(base: Path, year: int) -> tuple[float, dict[str, float]]:
    root, env = workspace(base, "baseline")
    out = root / "outputs" / "baseline"
    out.mkdir(parents=True)
    per_notebook = {}
    total = 0.0
    for nb in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        executed = out / nb.name
        run, _ = timed([str(BIN / "papermill"), str(nb), str(executed), "-p", "report_year", str(year),
                        "--cwd", str(nb.parent), "--no-progress-bar"], env, root)
        html, _ = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], env, root)
        per_notebook[nb.name] = round(run + html, 2)
        total += run + html
    return total, per_notebook


def changed_notebook(root: Path) -> str:
    """The chapter the bench changes: Münster's mid-sized chapter 07, else the city's first chapter."""
    return CHANGED if (root / "notebooks" / CHANGED).exists() else sorted(
        p.name for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))[0]


def reaching_module(root: Path) -> list[str]:
    """The chapters whose notebooks call the changed section module (the explorer)."""
    return sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb")
                  if "explorer." in p.read_text(encoding="utf-8"))


def change_one_notebook(root: Path) -> None:
    path = root / "notebooks" / changed_notebook(root)
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    code.source = "# Benchmark: geänderte Zelle\n" + code.source
    nbformat.write(nb, path)


def change_one_module(root: Path) -> None:
    with open(root / CHANGED_MODULE, "a", encoding="utf-8") as f:
        f.write("# Benchmark: geänderter Abschnitt\n")


def rerun(log: str) -> list[str]:
    """Chapters the runner executed in a run ("  14_….ipynb   8.2 s  ok"), not the unchanged ones."""
    return re.findall(r"^\s+(\d\d_\S+\.ipynb)\s+[0-9.]+ s\s+(?:ok|FEHLER)$", log, flags=re.MULTILINE)


def own_time(log: str, notebook: str) -> float | None:
    """The notebook's execution time as the runner printed it ("  07_….ipynb   8.2 s  ok")."""
    match = re.search(rf"{re.escape(notebook)}\s+([0-9.]+) s", log)
    return float(match.group(1)) if match else None


def runner_builds(base: Path, year: int) -> dict:
    root, env = workspace(base, "runner")
    changed = changed_notebook(root)
    cmd = [sys.executable, "-m", "helpers.build.runner", "--year", str(year)]
    with KernelMemory() as memory:
        clean, log = timed(cmd, env, root)
    own_clean = own_time(log, changed)
    nothing = [timed(cmd, env, root)[0] for _ in range(3)]
    change_one_notebook(root)
    one, one_log = timed(cmd, env, root)
    own = own_time(one_log, changed)  # the same run, so the overhead is what that rebuild added
    change_one_notebook(root)  # the same again without the PDF: how much of the rebuild is WeasyPrint
    one_html, one_html_log = timed([*cmd, "--ohne-pdf"], env, root)
    change_one_module(root)  # code: only the chapters that reach the module run again
    module, module_log = timed(cmd, env, root)
    peaks = sorted(memory.peaks.values())
    return {"clean_s": round(clean, 2), "no_change_s": round(statistics.median(nothing), 2),
            "no_change_runs_s": [round(t, 2) for t in nothing], "one_notebook_s": round(one, 2),
            "one_notebook_without_pdf_s": round(one_html, 2),
            "changed_notebook": changed, "changed_notebook_own_s": own, "changed_notebook_own_clean_s": own_clean,
            "changed_notebook_own_without_pdf_s": own_time(one_html_log, changed),
            "module_reaching": reaching_module(root), "chapters": len(list((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))),
            "one_module_s": round(module, 2), "changed_module": CHANGED_MODULE, "one_module_rerun": rerun(module_log),
            "one_module_own_s": {nb: own_time(module_log, nb) for nb in rerun(module_log)},
            "kernel_peak_rss_mib": {"n": len(peaks), "max": round(max(peaks) / 2**20, 1) if peaks else None,
                                    "median": round(statistics.median(peaks) / 2**20, 1) if peaks else None},
            "clean_log": log, "one_notebook_log": one_log, "one_module_log": module_log}


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Den Runner gegen eine einfache papermill-Baseline messen "
                                                  "(Ergebnis in outputs/bench.json).")
    parser.add_argument("year", type=int, nargs="?", default=None, metavar="JAHR",
                        help="Berichtsjahr (Standard: default_year in config/monitoring.yml)")
    year = parser.parse_args(sys.argv[1:] if argv is None else argv).year
    if year is None:  # the default report year, as `make report` builds it
        from helpers.indicators import years

        year = int(years.report_years({}).default)
    with tempfile.TemporaryDirectory(prefix="im-bench-") as tmp:
        base = Path(tmp)
        print("Baseline: papermill-Kommandozeile nacheinander, dann nbconvert je Notebook …", flush=True)
        base_s, per_nb = baseline(base, year)
        print("Runner: sauberer Lauf, unveränderter Lauf, ein Notebook geändert, ein Abschnittsmodul geändert …",
              flush=True)
        runs = runner_builds(base, year)
    changed = runs["changed_notebook"]
    own = runs["changed_notebook_own_s"] or per_nb.get(changed)
    result = {
        "machine": machine(), "city": context.current().root.name if context.current().root != context.REPOSITORY
        else "", "report_year": year, "baseline_s": round(base_s, 2), "baseline_per_notebook_s": per_nb,
        **{k: v for k, v in runs.items() if not k.endswith("_log")},
        "ratios": {"baseline_over_clean": round(base_s / runs["clean_s"], 2),
                   "clean_over_no_change": round(runs["clean_s"] / runs["no_change_s"], 1),
                   "clean_over_one_notebook": round(runs["clean_s"] / runs["one_notebook_s"], 2)},
    }
    result["targets"] = {
        "clean_at_least_1.8x_faster_than_baseline": result["ratios"]["baseline_over_clean"] >= 1.8,
        "no_change_under_2s": runs["no_change_s"] < 2,
        "one_notebook_within_own_plus_3s": own is not None and runs["one_notebook_s"] <= own + 3,
        "one_module_reruns_only_the_chapters_reaching_it": runs["one_module_rerun"] == runs["module_reaching"],
        "one_notebook_without_pdf_within_own_plus_3s": (runs["changed_notebook_own_without_pdf_s"] is not None and
                                                        runs["one_notebook_without_pdf_s"]
                                                        <= runs["changed_notebook_own_without_pdf_s"] + 3),
    }
    write_text_atomic(paths.OUTPUTS / "bench.json", json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    rows = [("Baseline (papermill-CLI + nbconvert, nacheinander)", base_s, 1.0),
            ("make report, sauberer Zustand", runs["clean_s"], base_s / runs["clean_s"]),
            ("make report, nichts geändert", runs["no_change_s"], base_s / runs["no_change_s"]),
            (f"make report, {changed} geändert", runs["one_notebook_s"], base_s / runs["one_notebook_s"]),
            ("  dasselbe ohne PDF (--ohne-pdf)", runs["one_notebook_without_pdf_s"],
             base_s / runs["one_notebook_without_pdf_s"]),
            (f"make report, {Path(CHANGED_MODULE).name} geändert", runs["one_module_s"], base_s / runs["one_module_s"])]
    print(f"\n{'Lauf':<62} {'Sekunden':>9} {'× schneller':>12}")
    for name, seconds, ratio in rows:
        print(f"{name:<62} {seconds:9.2f} {ratio:12.1f}")
    print(f"\nEigene Laufzeit von {changed} im Lauf nach der Änderung: {own} s (im sauberen Lauf "
          f"{runs['changed_notebook_own_clean_s']} s); Ziel: ≤ eigene Zeit + 3 s, "
          f"gemessen: eigene Zeit + {runs['one_notebook_s'] - own:.1f} s" if own else "")
    print(f"Nach der Änderung an {CHANGED_MODULE}: {len(runs['one_module_rerun'])} von {runs['chapters']} Kapiteln neu ausgeführt "
          f"({', '.join(f'{nb}: eigene Zeit {s} s' for nb, s in runs['one_module_own_s'].items()) or 'keines'})")
    mem = runs["kernel_peak_rss_mib"]
    print(f"Spitzen-Arbeitsspeicher je Kernel: max {mem['max']} MiB, Median {mem['median']} MiB ({mem['n']} Kernel)")
    for target, ok in result["targets"].items():
        print(f"  {'erfüllt' if ok else 'NICHT erfüllt'}: {target}")
    print(f"Maschine: {result['machine']['cpu']}, {result['machine']['cores']} Kerne, {result['machine']['ram_gib']} GiB")
    print(f"Ergebnis: {paths.OUTPUTS / 'bench.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
