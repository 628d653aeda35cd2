"""Issue 30's budgets for the explorable report, measured in one run on this machine.

`make bench ONLY=erkunden` runs only this; `make bench` runs it after the runner's and the intake's parts.

1. Build time: a clean build without the PDF of today's code and of the code before the interactive parts
   (`BEFORE`, the last commit without area profiles and interactive maps), each in a copy of its own with
   an empty outputs folder, alternately (`--runden`, default 2), and the ratio of the medians.
   Budget: today at most 15 % slower. The old code comes out of this repository's history (`git archive`);
   without a git history that part says so and is not judged.
2. Opening today's report.html in headless Chromium (the system's, no download) with the network blocked:
   the `load` event (budget: under 1 s), the first interactive map drawn when the reader scrolls to it at
   once (budget: under 2 s from the navigation's start) and the long tasks after `load` (budget: none over
   200 ms), measured with the browser's Performance API (PerformanceObserver "longtask"), three times, the
   median.
3. Sizes: report.html and the profiles' folder (the README says them).
Prints a table and writes outputs/bench_erkunden.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from helpers.core import context, paths  # noqa: E402
from helpers.core.fileio import write_text_atomic  # noqa: E402

#: The last commit before issue 30's area profiles and interactive maps (households and break marks merged).
BEFORE = "7a0f84d"
BUILD_BUDGET = 1.15
LOAD_BUDGET_MS, FIRST_MAP_BUDGET_MS, LONG_TASK_BUDGET_MS = 1000, 2000, 200

#: Runs in the page before its own scripts: every long task, with its start and duration.
LONG_TASKS = """window.__imLang = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__imLang.push([e.startTime, e.duration]); });
}).observe({type: 'longtask', buffered: true});"""
#: Scrolls to the first interactive map's static figure at once and waits until Vega has drawn it.
FIRST_MAP = """async () => {
  const box = document.querySelector('.im-interaktiv');
  if (!box) return null;
  let img = box.previousElementSibling;
  while (img && !(img.tagName === 'IMG' && img.classList.contains('figure'))) img = img.previousElementSibling;
  (img || box).scrollIntoView();
  const start = performance.now();
  const drawn = await new Promise(function (done) {
    (function wait() {
      if (box.querySelector('svg')) done(true);
      else if (performance.now() - start > 20000) done(false);
      else requestAnimationFrame(wait);
    })();
  });
  return drawn ? [start, performance.now()] : null;
}"""


def old_code(base: Path) -> Path | None:
    """The repository at BEFORE, unpacked into base/vorher (None without a git history that has it)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    target = base / "vorher"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def clean_build(root: Path, year: int) -> float:
    """A clean build without the PDF in `root` (its outputs emptied first), seconds."""
    shutil.rmtree(root / "outputs", ignore_errors=True)
    env = {**os.environ, **context.RunContext(root=root, city=paths.CITY, outputs=root / "outputs").environ(),
           "PYTHONPATH": str(root / "src")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers.runner", "--year", str(year), "--ohne-pdf"], env=env,
                          cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"Lauf in {root} fehlgeschlagen (Exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def build_times(base: Path, year: int, rounds: int) -> dict:
    from report_bench import workspace

    today, _ = workspace(base, "heute")
    before = old_code(base)
    times: dict[str, list[float]] = {"heute": [], "vorher": []}
    for _ in range(rounds):  # alternately, so that a slower minute of the machine hits both
        times["heute"].append(clean_build(today, year))
        if before is not None:
            times["vorher"].append(clean_build(before, year))
    result = {"before_commit": BEFORE, "today_s": [round(t, 2) for t in times["heute"]],
              "before_s": [round(t, 2) for t in times["vorher"]]}
    if times["vorher"]:
        result["ratio"] = round(statistics.median(times["heute"]) / statistics.median(times["vorher"]), 3)
    result["report"] = next((today / "outputs").glob(f"**/{year}/report.html"))
    return result


def chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _offline(blocked: list[str]):
    """A route handler that lets the file and its data URIs through and refuses (and notes) every other request."""
    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()
    return route


def open_in_browser(report: Path, runs: int = 3) -> dict | None:
    """load, first map drawn and long tasks after load, the median of `runs` fresh pages (None without Chromium)."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    if executable is None:
        return None
    measured = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            blocked: list[str] = []
            page.route("**/*", _offline(blocked))
            page.add_init_script(LONG_TASKS)
            page.goto(report.as_uri(), wait_until="load")
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")
            first = page.evaluate(FIRST_MAP)
            page.wait_for_timeout(3000)  # the page left alone: anything still running shows as a long task
            tasks = page.evaluate("window.__imLang")
            after = [d for s, d in tasks if s >= load]
            measured.append({"load_ms": round(load), "first_map_ms": None if first is None else round(first[1]),
                             "first_map_after_scroll_ms": None if first is None else round(first[1] - first[0]),
                             "long_tasks_after_load": len(after), "longest_after_load_ms": round(max(after, default=0)),
                             "blocked_requests": blocked})
            page.close()
        browser.close()
    keys = ("load_ms", "first_map_ms", "first_map_after_scroll_ms", "longest_after_load_ms", "long_tasks_after_load")
    out = {k: statistics.median(m[k] for m in measured) if all(m[k] is not None for m in measured) else None
           for k in keys}
    out["runs"] = measured
    return out


def sizes(report: Path) -> dict:
    profiles = report.parent / paths.PROFILES
    return {"report_html_mb": round(report.stat().st_size / 1e6, 1),
            "profiles_mb": round(sum(f.stat().st_size for f in profiles.glob("*")) / 1e6, 1) if profiles.is_dir() else 0,
            "profiles": len(list(profiles.glob("*.html"))) - 1 if profiles.is_dir() else 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Budgets des erkundbaren Berichts (Issue 30) messen.")
    parser.add_argument("year", type=int, nargs="?", default=None, metavar="JAHR")
    parser.add_argument("--runden", type=int, default=2, help="saubere Läufe je Stand (Standard: 2)")
    args = parser.parse_args(argv)
    if args.year is None:
        from helpers.indicators import years

        args.year = int(years.report_years({}).default)
    with tempfile.TemporaryDirectory(prefix="im-bench-erkunden-") as tmp:
        print(f"Saubere Läufe ohne PDF, heute und vor den interaktiven Teilen ({BEFORE}), abwechselnd …", flush=True)
        build = build_times(Path(tmp), args.year, args.runden)
        report = build.pop("report")
        browser = open_in_browser(report)
        size = sizes(report)
    machine = {"cpu": (Path("/proc/cpuinfo").read_text().split("model name")[1].split("\n")[0].strip(" :\t")
                       if Path("/proc/cpuinfo").exists() else ""), "cores": os.cpu_count()}
    targets = {
        f"clean_build_at_most_{BUILD_BUDGET}x_before": None if "ratio" not in build else build["ratio"] <= BUILD_BUDGET,
        f"load_under_{LOAD_BUDGET_MS}_ms": None if browser is None else browser["load_ms"] < LOAD_BUDGET_MS,
        f"first_map_under_{FIRST_MAP_BUDGET_MS}_ms": (None if browser is None or browser["first_map_ms"] is None
                                                      else browser["first_map_ms"] < FIRST_MAP_BUDGET_MS),
        f"no_long_task_over_{LONG_TASK_BUDGET_MS}_ms_after_load": (None if browser is None else
                                                                   browser["longest_after_load_ms"] <= LONG_TASK_BUDGET_MS),
        "network_blocked_and_unused": None if browser is None else not any(r["blocked_requests"] for r in browser["runs"]),
    }
    result = {"machine": machine, "city": paths.CITY, "report_year": args.year, "build": build, "browser": browser,
              "sizes": size, "targets": targets}
    write_text_atomic(paths.OUTPUTS / "bench_erkunden.json", json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(f"\nSauberer Lauf ohne PDF: heute {build['today_s']} s, vor den interaktiven Teilen {build['before_s'] or '–'} s"
          + (f"; Verhältnis der Mediane {build['ratio']:.2f} (Budget ≤ {BUILD_BUDGET})" if "ratio" in build else
             " (kein Git-Verlauf mit dem alten Stand: nicht verglichen)"))
    if browser is None:
        print("Chromium nicht gefunden: Öffnen im Browser nicht gemessen.")
    else:
        print(f"Öffnen in Chromium (Median von {len(browser['runs'])}): load {browser['load_ms']} ms, erste interaktive "
              f"Karte gezeichnet {browser['first_map_ms']} ms ab Navigation ({browser['first_map_after_scroll_ms']} ms "
              f"nach dem Scrollen), längste Aufgabe nach load {browser['longest_after_load_ms']} ms "
              f"({browser['long_tasks_after_load']} über 50 ms)")
    print(f"Größen: report.html {size['report_html_mb']} MB, Profile {size['profiles_mb']} MB ({size['profiles']} Seiten)")
    for target, ok in targets.items():
        print(f"  {'nicht bewertet' if ok is None else 'erfüllt' if ok else 'NICHT erfüllt'}: {target}")
    print(f"Maschine: {machine['cpu']}, {machine['cores']} Kerne\nErgebnis: {paths.OUTPUTS / 'bench_erkunden.json'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
