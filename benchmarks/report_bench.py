"""`make bench`: what the runner saves, measured in one run on the committed data.

Builds of the same report, each in its own copy of the inputs and code (its run context's root,
with the copy's src/ first on PYTHONPATH) so the working tree is never touched:
1. baseline: every chapter notebook one after another with the papermill command line, then
   `jupyter nbconvert --to html` on each (what a team without the runner would script);
2. floor: all chapters one after another in ONE kernel (imports paid once, a reset between chapters),
   execution only (see `floor`): what one process doing all the work needs, the bar a parallel
   clean build has to beat (issue 18);
3. clean without the PDF: `python -m helpers.runner --ohne-pdf` on an empty outputs folder of
   its own copy (so no shared values cache either);
4. clean: `python -m helpers.runner` on an empty outputs folder (parallel kernels, PDF, tables,
   disclosure check, manifest);
5. no change: the same command again;
6. one notebook changed: a comment added to one code cell of one chapter, then the command again
   (and once more with --ohne-pdf, to show the share of the PDF rendering). The target compares
   it with that chapter's own time as the runner printed it in the same run;
7. one section module changed: a comment appended to helpers/sections/explorer.py in the copy,
   then the command again; only the chapters whose notebooks reach that module (Münster: 14) re-run,
   and the bench prints how many did.
With CITY=<name> (IM_CITY) the same builds run on that city's inputs (cities/<name>/; its changed
notebook is its first chapter that exists, if Münster's chapter 07 is not one of its own).
Peak resident memory of every kernel is sampled during the clean builds and the floor (psutil).
Prints a table and writes outputs/bench.json; the targets of issues 7 and 18 are evaluated, not
assumed (those that compare with today's figures only for the city and year those were measured for).
Then benchmarks/bench_ingest.py measures the intake (issue 27); `--nur-einlesen` (make bench ONLY=ingest)
runs only that; then benchmarks/bench_explore.py the explorable report's budgets (issue 30); `--nur-erkunden`
(make bench ONLY=erkunden) runs only that.
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

from helpers.core import arguments, config, context, paths  # noqa: E402
from helpers.core.fileio import write_text_atomic  # noqa: E402
from helpers.runner import kernels  # noqa: E402
from helpers.runner.verify import copy_inputs  # noqa: E402

BIN = Path(sys.executable).parent
CHANGED = "07_stadtteil_und_quartiersentwicklung.ipynb"  # a mid-sized chapter
#: A section module reached by one chapter's notebook only (the correlation explorer: chapter 14).
CHANGED_MODULE = "src/helpers/sections/explorer.py"
#: Today's figures, for issue 18's "no-change and one-chapter rebuilds at least as fast as today": the
#: performance table in docs/performance.md (until issue 28 in the README; `make bench` and `make bench CITY=berlin`
#: of 28.11.2026 on AMD EPYC, 2 cores), per city ("": Münster) and the report year measured.
TODAY_S = {("", 2019): {"no_change_s": 0.21, "one_notebook_s": 10.7, "one_notebook_without_pdf_s": 12.3,
                        "one_module_s": 17.9},
           ("berlin", 2024): {"no_change_s": 0.13, "one_notebook_s": 6.7, "one_notebook_without_pdf_s": 7.0,
                              "one_module_s": 6.9}}
#: Today's peak resident memory of a chapter kernel (issue 18: "about 340 MiB"); a kernel may grow to 1.5 times it.
TODAY_KERNEL_PEAK_MIB = 340
#: Issue 18's targets against the floor (all chapters in one kernel): the clean build's time over the floor's.
FLOOR_TARGET_WITHOUT_PDF = 0.8
FLOOR_TARGET_WITH_PDF = 1.0


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
    copy_inputs(paths.ROOT, root)  # the chosen city's inputs and the shared settings and code
    env = {**context.RunContext(root=root, city=paths.CITY, outputs=root / "outputs").environ(),
           "PYTHONPATH": os.pathsep.join([str(root / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return root, env


def baseline(base: Path, year: int) -> tuple[float, dict[str, float]]:
    root, env = workspace(base, "baseline")
    out = root / "outputs" / "baseline"
    out.mkdir(parents=True)
    per_notebook = {}
    total = 0.0
    for nb in sorted(_notebooks(root).glob("[0-9][0-9]_*.ipynb")):
        executed = out / nb.name
        run, _ = timed([str(BIN / "papermill"), str(nb), str(executed), "-p", "report_year", str(year),
                        "--cwd", str(nb.parent), "--no-progress-bar"], env, root)
        html, _ = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], env, root)
        per_notebook[nb.name] = round(run + html, 2)
        total += run + html
    return total, per_notebook


#: Run silently in the floor's kernel before every chapter but the first: back to the notebooks folder, all
#: figures closed, a new IPython session (user namespace, history, execution counter), as `%reset -f` does and more.
RESET = ("__import__('os').chdir({cwd!r}); "
         "(lambda plt: plt is not None and plt.close('all'))(__import__('sys').modules.get('matplotlib.pyplot')); "
         "get_ipython().reset(new_session=True)")


def _failed_cell(nb) -> int | None:
    """The failing cell's number (1-based, as in JupyterLab: the injected parameters cell not counted)."""
    cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    return next((i for i, c in enumerate(cells, 1) if c.cell_type == "code"
                 and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)


def run_in_one_kernel(chapters: list[tuple[Path, dict]], env: dict, cwd: Path) -> dict:
    """Execute notebooks one after another in ONE kernel, the parameters injected as papermill does.

    `chapters`: (notebook, parameters) in the order to run. The kernel ("python3", on the runner's
    connection: private Unix sockets) starts in `cwd` with the environment `env`; nothing is imported
    ahead, the first chapter pays the imports. Between chapters the kernel is reset (`RESET`). The
    executed notebooks are not written and not converted. Returns the seconds from kernel start to the
    end of the last chapter, the kernel's start, each chapter's seconds and the executed notebooks. A
    chapter that fails (or a kernel that dies) ends the run with a German message (SystemExit).
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    per_chapter: dict[str, float] = {}
    executed = []
    with kernels.kernel_connection() as connection:
        km = AsyncKernelManager(kernel_name="python3", config=connection)
        start = time.perf_counter()
        run_sync(km.start_kernel)(cwd=str(cwd), env=env, extra_arguments=["--IPKernelApp.log_level=ERROR"])
        control = None
        try:
            control = kernels.control_client(km)  # the chapters' clients get the manager's session, one at a time
            control.wait_for_ready(timeout=kernels.START_TIMEOUT)
            started = time.perf_counter() - start
            for index, (notebook, parameters) in enumerate(chapters):
                begin = time.perf_counter()
                if index:
                    reply = control.execute_interactive(RESET.format(cwd=str(cwd)), silent=True, store_history=False,
                                                        timeout=kernels.START_TIMEOUT, output_hook=lambda msg: None)
                    if reply["content"].get("status") != "ok":
                        raise SystemExit(f"Untergrenze: Der Kernel ließ sich vor {notebook.name} nicht zurücksetzen: "
                                         f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
                nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters)
                client = NotebookClient(nb, km=km)  # not its kernel: nbclient leaves it running
                try:
                    client.execute()
                except Exception as exc:  # noqa: BLE001 - any failure ends the bench, with the chapter named
                    cell = _failed_cell(nb)
                    where = f", Zelle {cell}" if cell else ""
                    what = (f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None)
                            else f"{type(exc).__name__}: {str(exc)[-500:]}")
                    raise SystemExit(f"Untergrenze: Das Kapitel {notebook.name} ist im gemeinsamen Kernel "
                                     f"fehlgeschlagen{where}: {what}") from None
                finally:
                    if client.kc is not None:  # the client nbclient opened; the next chapter opens its own
                        client.kc.stop_channels()
                per_chapter[notebook.name] = round(time.perf_counter() - begin, 2)
                executed.append(nb)
            seconds = time.perf_counter() - start
        finally:
            if control is not None:
                control.stop_channels()
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
    return {"seconds": seconds, "kernel_start_s": round(started, 2), "per_chapter_s": per_chapter,
            "executed": executed}


def floor(base: Path, year: int) -> dict:
    """The floor of issue 18: all chapters of the report, in their declared order, one after another in
    ONE kernel on the same data (its own copy), timed from the kernel's start to the end of the last
    chapter; the imports are paid once, a reset between chapters (`run_in_one_kernel`).

    Only the chapters' work: execution, no HTML or PDF conversion, no recording. The kernel's run
    context points at the copy (root) and a folder inside it (outputs) with no chapter set, so nothing is
    recorded as published, no tables, no check, no report, no shared values cache (one kernel keeps its
    values in memory anyway).
    """
    root, env = workspace(base, "floor")
    folder = _notebooks(root)
    chapters = [(folder / c.notebook, {"report_year": year, **c.parameters})
                for c in config.chapters(folder, path=config.config_path(root))]  # what the runner runs there
    env = {**env, context.ENV: context.RunContext(root=root, city=paths.CITY, outputs=root / "outputs" / "floor").to_json()}
    with KernelMemory() as memory:
        done = run_in_one_kernel(chapters, env, folder)
    return {"floor_s": round(done["seconds"], 2), "floor_kernel_start_s": done["kernel_start_s"],
            "floor_per_chapter_s": done["per_chapter_s"], "floor_kernel_peak_rss_mib": peak_mib(memory.peaks)}


def peak_mib(peaks: dict[int, int]) -> dict:
    """The kernels' peak resident memory: how many, the highest and the median, in MiB."""
    values = sorted(peaks.values())
    return {"n": len(values), "max": round(max(values) / 2**20, 1) if values else None,
            "median": round(statistics.median(values) / 2**20, 1) if values else None}


def _notebooks(root: Path) -> Path:
    """The chosen city's chapters in a workspace root (notebooks/<city>/, else the default city's)."""
    return paths.layout(context.RunContext(root=root, city=paths.CITY))["NOTEBOOKS"]


def changed_notebook(root: Path) -> str:
    """The chapter the bench changes: Münster's mid-sized chapter 07, else the city's first chapter."""
    return CHANGED if (_notebooks(root) / CHANGED).exists() else sorted(
        p.name for p in _notebooks(root).glob("[0-9][0-9]_*.ipynb"))[0]


def reaching_module(root: Path) -> list[str]:
    """The chapters whose notebooks call the changed section module (the explorer)."""
    return sorted(p.name for p in _notebooks(root).glob("[0-9][0-9]_*.ipynb")
                  if "explorer." in p.read_text(encoding="utf-8"))


def change_one_notebook(root: Path) -> None:
    path = _notebooks(root) / changed_notebook(root)
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
    cmd = [sys.executable, "-m", "helpers.runner", "--year", str(year)]
    # A clean build without the PDF, in a copy of its own: an empty outputs folder, so no shared values
    # cache (outputs/.work/values) and no converted parts from the build below; comparable with the floor.
    bare, bare_env = workspace(base, "runner-ohne-pdf")
    with KernelMemory() as bare_memory:
        clean_without_pdf, _ = timed([*cmd, "--ohne-pdf"], bare_env, bare)
    root, env = workspace(base, "runner")
    changed = changed_notebook(root)
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
    return {"clean_s": round(clean, 2), "clean_without_pdf_s": round(clean_without_pdf, 2),
            "no_change_s": round(statistics.median(nothing), 2),
            "no_change_runs_s": [round(t, 2) for t in nothing], "one_notebook_s": round(one, 2),
            "one_notebook_without_pdf_s": round(one_html, 2),
            "changed_notebook": changed, "changed_notebook_own_s": own, "changed_notebook_own_clean_s": own_clean,
            "changed_notebook_own_without_pdf_s": own_time(one_html_log, changed),
            "module_reaching": reaching_module(root), "chapters": len(list(_notebooks(root).glob("[0-9][0-9]_*.ipynb"))),
            "one_module_s": round(module, 2), "changed_module": CHANGED_MODULE, "one_module_rerun": rerun(module_log),
            "one_module_own_s": {nb: own_time(module_log, nb) for nb in rerun(module_log)},
            "kernel_peak_rss_mib": peak_mib(memory.peaks), "kernel_peak_rss_without_pdf_mib": peak_mib(bare_memory.peaks),
            "clean_log": log, "one_notebook_log": one_log, "one_module_log": module_log}


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Den Runner gegen eine einfache papermill-Baseline und gegen die "
                                                  "Untergrenze (alle Kapitel nacheinander in einem Kernel) messen "
                                                  "(Ergebnis in outputs/bench.json).")
    parser.add_argument("year", type=int, nargs="?", default=None, metavar="JAHR",
                        help="Berichtsjahr (Standard: default_year in config/monitoring.yml)")
    parser.add_argument("--nur-einlesen", action="store_true",
                        help="nur die Prüfung beim Einlesen messen (benchmarks/bench_ingest.py: gewöhnliche und "
                             "bösartige Lieferungen mit 200.000 Zeilen, Zeit und Spitzen-Arbeitsspeicher)")
    parser.add_argument("--nur-erkunden", action="store_true",
                        help="nur die Budgets des erkundbaren Berichts messen (benchmarks/bench_explore.py: sauberer "
                             "Lauf heute gegen den Stand vor den interaktiven Teilen, Öffnen in Chromium, Größen)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.nur_einlesen:
        return ingest_bench()
    if args.nur_erkunden:
        return explore_bench(args.year)
    year = args.year
    if year is None:  # the default report year, as `make report` builds it
        from helpers.indicators import years

        year = int(years.report_years({}).default)
    with tempfile.TemporaryDirectory(prefix="im-bench-") as tmp:
        base = Path(tmp)
        print("Baseline: papermill-Kommandozeile nacheinander, dann nbconvert je Notebook …", flush=True)
        base_s, per_nb = baseline(base, year)
        print("Untergrenze: alle Kapitel nacheinander in einem Kernel …", flush=True)
        bottom = floor(base, year)
        print("Runner: sauberer Lauf ohne PDF, sauberer Lauf, unveränderter Lauf, ein Notebook geändert, "
              "ein Abschnittsmodul geändert …", flush=True)
        runs = runner_builds(base, year)
    changed = runs["changed_notebook"]
    own = runs["changed_notebook_own_s"] or per_nb.get(changed)
    city = context.current().city
    floor_s = bottom["floor_s"]
    result = {
        "machine": machine(), "city": city, "report_year": year, "baseline_s": round(base_s, 2),
        "baseline_per_notebook_s": per_nb, **bottom,
        **{k: v for k, v in runs.items() if not k.endswith("_log")},
        "ratios": {"baseline_over_clean": round(base_s / runs["clean_s"], 2),
                   "clean_over_no_change": round(runs["clean_s"] / runs["no_change_s"], 1),
                   "clean_over_one_notebook": round(runs["clean_s"] / runs["one_notebook_s"], 2),
                   "clean_without_pdf_over_floor": round(runs["clean_without_pdf_s"] / floor_s, 2),
                   "clean_over_floor": round(runs["clean_s"] / floor_s, 2)},
    }
    today = TODAY_S.get((city, year))  # None: no figures of today for this city and year, those targets stay open
    kernel_peaks = [m for m in (runs["kernel_peak_rss_mib"]["max"], runs["kernel_peak_rss_without_pdf_mib"]["max"])
                    if m is not None]
    result["today"] = {"source": "docs/performance.md (figures of 28.11.2026)", "seconds": today,
                       "kernel_peak_rss_mib": TODAY_KERNEL_PEAK_MIB}
    result["targets"] = {
        "clean_at_least_1.8x_faster_than_baseline": result["ratios"]["baseline_over_clean"] >= 1.8,
        "no_change_under_2s": runs["no_change_s"] < 2,
        "one_notebook_within_own_plus_3s": own is not None and runs["one_notebook_s"] <= own + 3,
        "one_module_reruns_only_the_chapters_reaching_it": runs["one_module_rerun"] == runs["module_reaching"],
        "one_notebook_without_pdf_within_own_plus_3s": (runs["changed_notebook_own_without_pdf_s"] is not None and
                                                        runs["one_notebook_without_pdf_s"]
                                                        <= runs["changed_notebook_own_without_pdf_s"] + 3),
        # issue 18
        f"clean_without_pdf_at_most_{FLOOR_TARGET_WITHOUT_PDF}x_floor":
            runs["clean_without_pdf_s"] <= FLOOR_TARGET_WITHOUT_PDF * floor_s,
        f"clean_at_most_{FLOOR_TARGET_WITH_PDF}x_floor": runs["clean_s"] <= FLOOR_TARGET_WITH_PDF * floor_s,
        "clean_at_least_3x_faster_than_baseline": base_s >= 3 * runs["clean_s"],
        **{f"{key.removesuffix('_s')}_at_least_as_fast_as_today": (None if today is None else runs[key] <= today[key])
           for key in ("no_change_s", "one_notebook_s", "one_notebook_without_pdf_s", "one_module_s")},
        "kernel_peak_memory_at_most_1.5x_today": (max(kernel_peaks) <= 1.5 * TODAY_KERNEL_PEAK_MIB
                                                  if kernel_peaks else None),
    }
    write_text_atomic(paths.OUTPUTS / "bench.json", json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    rows = [("Baseline (papermill-CLI + nbconvert, nacheinander)", base_s),
            ("Untergrenze: alle Kapitel in einem Kernel nacheinander", floor_s),
            ("make report ohne PDF, sauberer Zustand", runs["clean_without_pdf_s"]),
            ("make report, sauberer Zustand", runs["clean_s"]),
            ("make report, nichts geändert", runs["no_change_s"]),
            (f"make report, {changed} geändert", runs["one_notebook_s"]),
            ("  dasselbe ohne PDF (--ohne-pdf)", runs["one_notebook_without_pdf_s"]),
            (f"make report, {Path(CHANGED_MODULE).name} geändert", runs["one_module_s"])]
    print(f"\n{'Lauf':<62} {'Sekunden':>9} {'× schneller':>12} {'× Untergrenze':>14}")
    for name, seconds in rows:
        print(f"{name:<62} {seconds:9.2f} {base_s / seconds:12.1f} {seconds / floor_s:14.2f}")
    print(f"\nSauberer Lauf zur Untergrenze: ohne PDF {runs['clean_without_pdf_s'] / floor_s:.2f} "
          f"(Ziel ≤ {FLOOR_TARGET_WITHOUT_PDF}), mit PDF {runs['clean_s'] / floor_s:.2f} (Ziel ≤ {FLOOR_TARGET_WITH_PDF}); "
          f"Baseline zum sauberen Lauf: {base_s / runs['clean_s']:.2f} (Ziel ≥ 3). Start des Kernels der Untergrenze: "
          f"{bottom['floor_kernel_start_s']} s")
    print(f"Eigene Laufzeit von {changed} im Lauf nach der Änderung: {own} s (im sauberen Lauf "
          f"{runs['changed_notebook_own_clean_s']} s); Ziel: ≤ eigene Zeit + 3 s, "
          f"gemessen: eigene Zeit + {runs['one_notebook_s'] - own:.1f} s" if own else "")
    print(f"Nach der Änderung an {CHANGED_MODULE}: {len(runs['one_module_rerun'])} von {runs['chapters']} Kapiteln neu ausgeführt "
          f"({', '.join(f'{nb}: eigene Zeit {s} s' for nb, s in runs['one_module_own_s'].items()) or 'keines'})")
    for label, mem in (("sauberer Lauf", runs["kernel_peak_rss_mib"]),
                       ("sauberer Lauf ohne PDF", runs["kernel_peak_rss_without_pdf_mib"]),
                       ("Untergrenze", bottom["floor_kernel_peak_rss_mib"])):
        print(f"Spitzen-Arbeitsspeicher je Kernel, {label}: max {mem['max']} MiB, Median {mem['median']} MiB "
              f"({mem['n']} Kernel)")
    print(f"Heutige Vergleichswerte (README): {today if today else 'keine für diese Stadt und dieses Jahr'}; "
          f"Arbeitsspeicher je Kernel heute etwa {TODAY_KERNEL_PEAK_MIB} MiB (Ziel ≤ {1.5 * TODAY_KERNEL_PEAK_MIB:.0f} MiB)")
    for target, ok in result["targets"].items():
        print(f"  {'nicht bewertet' if ok is None else 'erfüllt' if ok else 'NICHT erfüllt'}: {target}")
    print(f"Maschine: {result['machine']['cpu']}, {result['machine']['cores']} Kerne, {result['machine']['ram_gib']} GiB")
    print(f"Ergebnis: {paths.OUTPUTS / 'bench.json'}\n")
    return ingest_bench() or explore_bench(year)


def explore_bench(year: int | None) -> int:
    """benchmarks/bench_explore.py: issue 30's budgets (build time against the code before, opening in Chromium)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_explore", Path(__file__).with_name("bench_explore.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.main([] if year is None else [str(year)]) or 0)


def ingest_bench() -> int:
    """benchmarks/bench_ingest.py: the intake's checks for ordinary and adversarial deliveries (issue 27)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).with_name("bench_ingest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.main([]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
