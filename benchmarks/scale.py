"""Does the report scale with the number of areas? `.venv/bin/python benchmarks/scale.py`

Builds the whole report (all chapters, `--ohne-pdf`) for Münster as committed (45 Stadtteile),
for the 174 Stadtzellen with synthetic counts, and for synthetic cities of 250, 500 and 1000
areas (helpers.sources.demo.scale_city, ten years 2005-2014), each in its own temporary data root
(one run context, IM_CONTEXT), and times one 1000-area choropleth per classification scheme.

Prints a table and writes outputs/scale.json (atomically) with the machine it ran on. The
scale criterion: time(n)/time(45) <= n/45 for every n, and the exponent b of a least-squares
fit time = a * n^b is at most 1. Timings on a shared machine vary: the JSON records the load
average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZES = (250, 500, 1000)
SCHEMES = ("quantiles", "fisher_jenks", "std_mean")
MAP_BUDGET_S = 3.0


def machine() -> dict[str, object]:
    """CPU model, cores, RAM and Python: the figures mean nothing without them."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 ** 2, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "loadavg_start": list(os.getloadavg())}


def build(root: Path | None, pdf: bool = False) -> float:
    """Seconds for the whole report in the data root `root` (None: the repository's own data)."""
    outputs = str(root / "outputs") if root is not None else tempfile.mkdtemp(prefix="scale-muenster-")
    run = {"root": str(root), "outputs": outputs} if root is not None else {"outputs": outputs}
    env = {**os.environ, "IM_CONTEXT": json.dumps(run)}  # the run context (helpers.core.context)
    cmd = [sys.executable, "-m", "helpers.runner"] + ([] if pdf else ["--ohne-pdf"])
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"Bericht fehlgeschlagen ({root or 'Münster'}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    if root is None:
        shutil.rmtree(outputs, ignore_errors=True)
    return seconds


def map_times(root: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds (draw + PNG) of one choropleth of all areas in `root`, per scheme, in a
    fresh process so that helpers.core.paths points at the scale city."""
    code = f"""
import json, statistics, time
from helpers.core import catalogue
from helpers.figures import charts
from helpers.indicators import compute
from helpers.figures import maps
vals = compute.values(catalogue.load().indicator("mv_anteil"), "stadtteil")
one = vals[(vals["year"] == vals["year"].max()) & (vals["group"] == "total")]
charts.png(maps.choropleth(one, "Warm-up", "%", "Quelle"))
out = {{}}
for scheme in {list(SCHEMES)!r}:
    times = []
    for _ in range({repeats}):
        start = time.perf_counter()
        charts.png(maps.choropleth(one, "MV-Anteil", "%", "Quelle", scheme=scheme))
        times.append(time.perf_counter() - start)
    out[scheme] = statistics.median(times)
print(json.dumps(out))
"""
    env = {**os.environ, "IM_CONTEXT": json.dumps({"root": str(root), "outputs": str(root / "outputs")})}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--pdf", action="store_true", help="zusätzlich die PDF-Zeit für 45 und die größte Stadt")
    parser.add_argument("--keep", type=Path, default=None, help="Datenordner hier behalten statt in /tmp")
    args = parser.parse_args(argv)

    from helpers.core import paths
    from helpers.core.fileio import write_atomic
    from helpers.sources.demo import scale_city

    info = machine()
    base = args.keep or Path(tempfile.mkdtemp(prefix="scale-"))
    cases: list[tuple[str, int, Path | None]] = [("Münster, 45 Stadtteile (eingecheckt)", 45, None)]
    made = {}
    start = time.perf_counter()
    made["stadtzellen"] = scale_city.write_city(base / "stadtzellen", 174, cells="muenster")
    cases.append(("Münster, 174 Stadtzellen (synthetisch)", 174, made["stadtzellen"]))
    for n in args.sizes:
        made[n] = scale_city.write_city(base / f"stadt{n}", n)
        cases.append((f"Synthetische Stadt, {n} Gebiete", n, made[n]))
    generation_s = time.perf_counter() - start

    rows = []
    for label, n, root in cases:
        seconds = build(root)
        rows.append({"case": label, "areas": n, "seconds": round(seconds, 1)})
        print(f"  {label:<42} {seconds:7.1f} s", flush=True)
    t45 = rows[0]["seconds"]
    for r in rows:
        r["seconds_per_area"] = round(r["seconds"] / r["areas"], 3)
        r["ratio_to_45"] = round(r["seconds"] / t45, 2)
        r["area_ratio"] = round(r["areas"] / 45, 2)
        r["no_faster_than_linear"] = r["seconds"] / t45 <= r["areas"] / 45
    n = np.array([r["areas"] for r in rows], dtype=float)
    t = np.array([r["seconds"] for r in rows], dtype=float)
    exponent = float(np.polyfit(np.log(n), np.log(t), 1)[0])

    biggest = max(args.sizes) if args.sizes else None
    maps_s = map_times(made[biggest]) if biggest else {}
    pdf = {}
    if args.pdf and biggest:
        pdf = {"45": round(build(None, pdf=True), 1), str(biggest): round(build(made[biggest], pdf=True), 1)}

    print(f"\n{'Fall':<42} {'Gebiete':>7} {'Sekunden':>9} {'s/Gebiet':>9} {'× 45er':>7} {'Gebiete × 45er':>15}")
    for r in rows:
        print(f"{r['case']:<42} {r['areas']:>7} {r['seconds']:>9.1f} {r['seconds_per_area']:>9.3f} "
              f"{r['ratio_to_45']:>7.2f} {r['area_ratio']:>15.2f}")
    linear = all(r["no_faster_than_linear"] for r in rows)
    print(f"\nExponent b in Zeit ~ Gebiete^b: {exponent:.2f} (≤ 1 verlangt); "
          f"Zeitverhältnis nie über Gebietsverhältnis: {'ja' if linear else 'NEIN'}")
    for scheme, s in maps_s.items():
        print(f"Karte {biggest} Gebiete, {scheme:<13}: {s:.2f} s (Median von 3; Budget {MAP_BUDGET_S:.0f} s) "
              f"{'ok' if s < MAP_BUDGET_S else 'ÜBER BUDGET'}")
    if pdf:
        print(f"PDF (mit Bericht): {pdf}")
    info["loadavg_end"] = list(os.getloadavg())
    result = {"machine": info, "note": "2 Kerne, während der Messung arbeiteten andere Prozesse mit",
              "generation_seconds": round(generation_s, 1), "builds": rows, "exponent": round(exponent, 3),
              "linear_or_better": linear and exponent <= 1, "map_seconds_median_of_3": maps_s,
              "map_areas": biggest, "map_budget_seconds": MAP_BUDGET_S, "pdf_seconds": pdf}
    target = paths.OUTPUTS / "scale.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda p: p.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
    print(f"-> {target}")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)
    ok = result["linear_or_better"] and all(s < MAP_BUDGET_S for s in maps_s.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
