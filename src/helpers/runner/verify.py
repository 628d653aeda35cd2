"""`make verify`: rebuild a published report from scratch and compare every number with its manifest.

A university partner (or the statistics office before publishing) runs this to confirm that
the report follows from the committed data and code: the inputs are copied into a new
temporary folder, the report is built there with the parameters the manifest names, and the
fingerprints of every published number are compared. Differences are printed with their key
and the text they appear in; any difference fails (exit code 1).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.core import arguments, context, paths
from helpers.publish import manifest


def copy_inputs(root: Path, target: Path, city: str | None = None) -> None:
    """The inputs of one city's report in `root` (default: this process's city): the shared settings and
    code, the city's settings, data and chapters (manifest.input_folders), nothing of other cities."""
    for name in manifest.input_folders(root, city):
        source = root / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, target / name)


def rebuild(published: dict, root: Path, workdir: Path, city: str | None = None) -> Path:
    """Build the report of `city` described by a manifest in `workdir`; the new manifest's path."""
    city = city or paths.CITY
    copy_inputs(root, workdir, city)
    params = published["parameters"]
    rebuilt = context.RunContext(root=workdir, city=city)
    env = rebuilt.environ()
    cmd = [sys.executable, "-m", "helpers.runner", "--year", str(params["report_year"]),
           "--kapitel", *params["chapters"], "--ohne-pdf"]
    done = subprocess.run(cmd, env=env, cwd=workdir, text=True, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"Neuaufbau fehlgeschlagen (Exit {done.returncode}):\n{done.stderr[-3000:]}")
    return Path(rebuilt.outputs) / str(params["report_year"]) / "manifest.json"


def _diff_detail(commit: str, name: str, root: Path) -> str:
    """What changed in a tracked file since the manifest's commit, as git counts it ("+1 −1 Zeilen")."""
    try:
        stat = subprocess.run(["git", "diff", "--numstat", commit, "--", name], cwd=root, capture_output=True,
                              text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return ""
    if len(stat) >= 2 and stat[0].isdigit() and stat[1].isdigit():
        return f" ({stat[0]} Zeile(n) hinzugefügt, {stat[1]} entfernt gegenüber Commit {commit[:12]})"
    return ""


def _below_top(root: Path) -> str:
    """Where `root` lies in its git checkout ("repo/"), "" at the top or outside git."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return top


def input_differences(published: dict, root: Path, city: str | None = None) -> list[str]:
    """German lines, one per input file that is not as the manifest recorded it: missing, added or changed
    (with git's line count where the file is tracked); files that were not committed when the report was
    built are named as such: a checkout of the commit cannot have them."""
    recorded, here = published.get("inputs", {}), manifest.input_checksums(root, city)
    git = published.get("git", {})
    uncommitted = {entry["file"] for entry in git.get("uncommitted", [])}  # relative to the checkout's top
    prefix = _below_top(root)
    uncommitted |= {name.removeprefix(prefix) for name in uncommitted if prefix and name.startswith(prefix)}
    commit = str(git.get("commit") or "")
    lines = []
    for name in sorted(recorded.keys() | here.keys()):
        if recorded.get(name) == here.get(name):
            continue
        note = " – war bei der Veröffentlichung nicht eingecheckt" if name in uncommitted else ""
        if name not in here:
            lines.append(f"fehlt: {name}{note}")
        elif name not in recorded:
            lines.append(f"neu: {name} (gehörte nicht zum veröffentlichten Bericht)")
        else:
            detail = _diff_detail(commit, name, root) if commit and commit != "unbekannt" else ""
            lines.append(f"geändert: {name}{detail}{note}")
    return lines


def _rebuilt_numbers(published: dict, rebuilt: dict, year_dir: Path) -> dict:
    """The rebuilt manifest's numbers keyed as the published manifest keys them (version 1: by position)."""
    if published.get("manifest_version", 1) >= manifest.VERSION:
        return rebuilt
    import pandas as pd

    table = pd.read_pickle(paths.work_dir(year_dir) / "table.pkl")
    notebooks = [year_dir / "notebooks" / f"{name}.ipynb" for name in published["parameters"]["chapters"]]
    numbers, contexts = manifest.fingerprints(table, notebooks, version=published.get("manifest_version", 1))
    return {**rebuilt, "published": {"count": len(numbers), "sha256": manifest.digest(numbers), "numbers": numbers,
                                     "contexts": contexts}}


def verify(manifest_path: Path, root: Path | None = None, keep: Path | None = None, city: str | None = None) -> int:
    """Rebuild the report of `city` (default: this process's) and compare; the causes first (inputs that differ
    from the manifest, one line per file), then the numbers that differ, keyed by meaning. 0 when every number
    is confirmed."""
    root, city = Path(root or paths.ROOT), city or paths.CITY
    published = manifest.read(manifest_path)
    print(f"Prüfe {manifest_path}: {published['published']['count']} veröffentlichte Zahlen, "
          f"Berichtsjahr {published['parameters']['report_year']}, Code {published['git']['commit'][:12]}")
    causes = input_differences(published, root, city)
    if causes:
        print(f"{len(causes)} Eingabe(n) anders als bei der Veröffentlichung – sie erklären Abweichungen unten:",
              file=sys.stderr)
        for line in causes:
            print(f"  {line}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="im-verify-") as tmp:
        workdir = Path(keep) if keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        rebuilt_manifest = rebuild(published, root, workdir, city)
        rebuilt = _rebuilt_numbers(published, manifest.read(rebuilt_manifest), rebuilt_manifest.parent)
    for line in manifest.environment_differences(published, rebuilt):
        print(f"Hinweis: Diese Umgebung weicht von der des Manifests ab: {line}. Die Zahlen werden trotzdem "
              "verglichen.")
    differences = manifest.compare(published, rebuilt)
    if published["published"]["sha256"] == rebuilt["published"]["sha256"] and not differences:
        print(f"Bestätigt: alle {rebuilt['published']['count']} Zahlen stimmen mit dem Manifest überein.")
        return 0
    total = sum(1 for k in published["published"]["numbers"].keys() | rebuilt["published"]["numbers"].keys()
                if published["published"]["numbers"].get(k) != rebuilt["published"]["numbers"].get(k))
    print(f"{total} Zahl(en) weichen zwischen veröffentlichtem Bericht und Neuberechnung ab:", file=sys.stderr)
    for line in differences:
        print(f"  {line}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Veröffentlichten Bericht neu berechnen und mit dem Manifest vergleichen")
    parser.add_argument("--jahr", "--year", dest="year", metavar="JAHR", type=int, default=None,
                        help="Berichtsjahr (Standard: neuestes Manifest in outputs/)")
    parser.add_argument("--manifest", type=Path, default=None, help="Pfad zu einem manifest.json")
    parser.add_argument("--behalten", type=Path, default=None, help="Neuaufbau in diesem Ordner behalten")
    args = parser.parse_args(argv)
    path = args.manifest
    if path is None:
        found = sorted(paths.OUTPUTS.glob(f"{args.year or '*'}/manifest.json"))
        if not found:
            print("Fehler: kein manifest.json gefunden; zuerst `make report` ausführen oder --manifest angeben.",
                  file=sys.stderr)
            return 2
        path = found[-1]
    if not Path(path).exists():
        print(f"Fehler: {path} gibt es nicht.", file=sys.stderr)
        return 2
    return verify(Path(path), keep=args.behalten)


if __name__ == "__main__":
    raise SystemExit(main())
