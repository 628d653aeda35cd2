"""Read deliveries into the stored observations: `make ingest FILE=…` / `python -m helpers.intake.ingest FILE…`.

All files of one call are checked first – every problem of every file is listed together,
each file alone, the files against each other and against the stored values; two files giving
one key different values are refused – and stored together in one commit only if none has an
error (and large jumps are confirmed). A file whose checksum was already ingested is skipped. See `storage` for what is
written where, and `validation` for the checks.
"""

from __future__ import annotations

import glob
import os
import shlex
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.core import arguments, config, model, observations, paths
from helpers.core.fileio import sha256_file
from helpers.core.model import KEY
from helpers.core.problems import Location
from helpers.intake import problems as problems_module
from helpers.intake import storage
from helpers.intake.jumps import jumps
from helpers.intake.problems import Problem
from helpers.intake.read import ReadError
from helpers.intake.read_limits import check_file_size
from helpers.intake.storage import Plan, Store
from helpers.intake.validation import Context, Delivery, across, validate


@dataclass
class FileOutcome:
    """What happened to one file: already ingested, or the plan of what it changes."""

    path: Path
    already: dict | None = None
    plan: Plan | None = None


@dataclass
class Outcome:
    files: list[FileOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stored: bool = False
    recovered: list[str] = field(default_factory=list)  # what a crashed earlier ingest left, and what was done

    @property
    def errors(self) -> list[Problem]:
        return problems_module.errors(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return problems_module.warnings(self.problems)


#: How a file becomes a checked delivery: `validation.validate` for the template's layout; a city's own file
#: through its mapping (`city_data`) is converted first and then takes the same checks.
Validator = Callable[[Path, Context], Delivery]
#: What identifies a file in the ingest log (a re-run with the same identity is skipped): its checksum; for a
#: city's own file, the checksum of the file and its mapping together.
Identity = Callable[[Path], str]


def ingest(files: list[Path | str], revise: bool = False, confirm_jumps: bool = False,
           check_only: bool = False, store: Store | None = None, validator: Validator | None = None,
           identity: Identity | None = None) -> Outcome:
    """Check all files, then store them in one commit if there is no error and no unconfirmed jump."""
    store = store or Store.current()
    with storage.locked(store):
        return _ingest(files, revise, confirm_jumps, check_only, store, validator, identity)


def _ingest(files: list[Path | str], revise: bool, confirm_jumps: bool, check_only: bool, store: Store,
            validator: Validator | None = None, identity: Identity | None = None) -> Outcome:
    recovered = [] if check_only else storage.recover(store)
    if recovered:
        observations.clear_cache()
    state = observations.observations(store.observations_dir)
    deliveries = storage.read_deliveries(store)
    context = Context.load(state)
    log = storage.committed_log(store)
    stored = state
    outcome = Outcome(recovered=recovered)
    seen: set[str] = set()
    planned: dict[Path, str] = {}
    checked: list[Delivery] = []
    limits = config.intake()
    for name in files:
        path = Path(name)
        if not path.is_file():
            outcome.problems.append(Problem(where=Location(file=str(name)), message="Datei nicht gefunden", found=str(name),
                                            expected="der Pfad einer gelieferten Datei (.xlsx oder .csv)",
                                            fix="den Pfad prüfen (relativ zum Projektordner oder absolut)"))
            continue
        try:
            check_file_size(path, limits)  # before its checksum: nothing reads a file beyond the limit
        except ReadError as exc:
            outcome.problems += exc.problems
            continue
        sha = (identity or sha256_file)(path)
        earlier = log[log["sha256"] == sha]
        if len(earlier) or sha in seen:
            outcome.files.append(FileOutcome(path, already=earlier.iloc[0].to_dict() if len(earlier) else {}))
            continue
        seen.add(sha)
        delivery = (validator or validate)(path, context)
        outcome.problems += delivery.problems
        if delivery.rows.empty:
            continue
        clashes, rows = _same_key_clashes(delivery, checked)
        plan = storage.plan(delivery, state, store, revise, planned)
        if rows:  # a key of an earlier file of this run: its value was never stored, so no revision
            plan.conflicts = [p for p in plan.conflicts if p.where.row not in rows]
        checked.append(delivery)
        planned[plan.raw_target] = delivery.sha256
        outcome.problems += clashes + plan.conflicts + jumps(delivery, state, context)
        outcome.files.append(FileOutcome(path, plan=plan))
        state = storage.upsert(state, plan.stored_rows)
        deliveries = storage.upsert(deliveries, plan.stored_rows)
    revised = [pd.DataFrame([r for r in f.plan.revision_rows if r["kind"] == storage.REVISION], columns=KEY)
               for f in outcome.files if f.plan is not None]
    outcome.problems += across(checked, stored, context, revised)
    if outcome.errors or (outcome.warnings and not confirm_jumps) or check_only:
        return outcome
    plans = [f.plan for f in outcome.files if f.plan is not None]
    if plans:
        _commit(store, deliveries, plans, confirmed=bool(outcome.warnings))
        outcome.stored = True
    return outcome


def _same_key_clashes(delivery: Delivery, earlier: list[Delivery]) -> tuple[list[Problem], set[int]]:
    """Values of `delivery` that an earlier file of the same run gives differently (also with --revise:
    which of two files in one run is right cannot be told, and the older value was never stored).

    Returns the problems and the rows of `delivery` they concern.
    """
    if not earlier:
        return [], set()
    new = delivery.rows.drop_duplicates(KEY)[[*KEY, "value", "flag", "row"]]
    old = pd.concat([d.rows.drop_duplicates(KEY)[[*KEY, "value", "flag", "row"]].assign(file=d.name) for d in earlier],
                    ignore_index=True)
    both = new.merge(old, on=KEY, suffixes=("", "_old"))
    same_value = (both["value"].isna() & both["value_old"].isna()) | (both["value"] == both["value_old"]).fillna(False)
    same_flag = both["flag"].replace("r", "") == both["flag_old"].replace("r", "")  # "r" only marks a revision
    differ = both[~(same_value & same_flag)]
    problems = [delivery.at_value(
        int(r.row), "Wert widerspricht einer anderen Datei derselben Einlesung",
        f"{storage.show(r.value, r.flag)} hier, {storage.show(r.value_old, r.flag_old)} in „{r.file}“, Zeile {int(r.row_old)} "
        f"(gleiches Jahr, Gebiet, Merkmal und gleiche Gruppe)",
        "für jeden Wert nur eine Angabe je Einlesung",
        "klären, welche Datei stimmt, und die andere korrigieren oder weglassen; soll die spätere Datei einen Wert "
        "revidieren, die Dateien nacheinander einlesen (die spätere mit REVISE=1)")
        for r in differ.itertuples(index=False)]
    return problems, {int(r) for r in differ["row"]}


def _commit(store: Store, deliveries: pd.DataFrame, plans: list[Plan], confirmed: bool) -> None:
    time = storage.now_utc()
    changed = any(len(p.stored_rows) for p in plans)
    raw = {p.delivery.path: p.raw_target for p in plans}
    for p in plans:  # e.g. the mapping a city's own file was read with, beside its raw copy
        raw |= {source: p.raw_target.with_name(f"{p.raw_target.stem}.{label}{source.suffix}")
                for label, source in p.delivery.companions.items()}
    log_rows, revision_rows = [], []
    for p in plans:
        d = p.delivery
        years = sorted(d.rows["year"].unique())
        log_rows.append(dict(time=time, sha256=d.sha256, file=d.name, raw_path=p.raw_target.relative_to(store.data_dir).as_posix(),
                             years=" ".join(map(str, years)), rows=len(d.rows), new=p.new, unchanged=p.unchanged,
                             revised=p.revised, replaced_synthetic=p.replaced_synthetic,
                             filled_pending=p.filled_pending, confirmed_jumps=confirmed,
                             quelle=d.info.get("Quelle", "")))
        revision_rows += [{**r, "file": d.name, "sha256": d.sha256, "time": time} for r in p.revision_rows]
    try:
        storage.commit(store, deliveries, changed, raw, log_rows, revision_rows)
    finally:
        observations.clear_cache()


# --- command line ------------------------------------------------------------------------------------

try:
    import resource
except ImportError:  # Windows: no address-space limit; the limits on the delivery itself still hold
    resource = None


def _address_space() -> int:
    """The address space this process uses now (0 where it cannot be told)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().vms)
    except Exception:  # a cap without the baseline is still a cap
        return 0


@contextmanager
def memory_capped(limit: int | None):
    """This process may take at most `limit` bytes of memory beyond what it uses now (RLIMIT_AS, POSIX):
    a delivery or a bug that needs more ends in MemoryError, which the command turns into a German
    message, instead of in the system's out-of-memory killer. No cap where `resource` is missing
    (Windows) or the system refuses one; the previous limit is restored afterwards."""
    if resource is None or not limit:
        yield None
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + limit
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield soft  # already capped as tightly
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        yield None
        return
    try:
        yield cap
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _gb(limits: config.IntakeLimits) -> str:
    return f"{limits.memory_gb:g}".replace(".", ",")


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(paths.ROOT).resolve()).as_posix()
    except ValueError:
        return str(path)


def summary(outcome: Outcome, check_only: bool = False) -> str:
    """What was stored (or would be), file by file, in German."""
    lines = []
    for f in outcome.files:
        if f.already is not None:
            when = f.already.get("time", "").replace("T", " ").replace("Z", " UTC")
            where = _shown(Path(paths.RAW_DIR).parent / f.already.get("raw_path", ""))
            text = (f"bereits eingelesen am {when} (Rohdatei {where}); nichts geändert." if when
                    else "mehrfach angegeben; nur einmal eingelesen.")
            lines.append(f"{f.path.name}: {text}")
            continue
        p = f.plan
        counts = f"{p.new} Werte neu, {p.unchanged} unverändert, {p.revised} revidiert"
        if p.replaced_synthetic:
            counts += f", {p.replaced_synthetic} Demowerte ersetzt"
        if p.filled_pending:
            counts += f", {p.filled_pending} bisher „…“ nachgeliefert"
        if check_only:
            lines.append(f"{f.path.name}: geprüft, würde speichern: {counts}.")
        else:
            lines.append(f"{f.path.name}: {counts}; Rohdatei gespeichert unter {_shown(p.raw_target)}.")
    return "\n".join(lines)


#: What a folder given as a delivery contributes: the files the intake reads.
DELIVERY_SUFFIXES = (".xlsx", ".csv")


def expand_paths(items: list[str]) -> list[str]:
    """Files named by `items`: a folder gives its .xlsx and .csv files, a pattern (`*.xlsx`) its
    matches; any other name is kept as it is (a missing file is reported by the check)."""
    files: list[str] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files += sorted(str(f) for f in path.iterdir() if f.is_file() and f.suffix.lower() in DELIVERY_SUFFIXES)
        elif not path.exists() and glob.has_magic(item):
            files += sorted(glob.glob(item)) or [item]
        else:
            files.append(item)
    return files


def paths_from_value(value: str) -> list[str]:
    """The files of `make ingest FILE=…`, which reach this program through the environment, never
    through a shell: offices name files with spaces, quotes, umlauts, `;`, `&` or `$`.

    The whole value is one name if such a file or folder exists; otherwise it is split like a
    shell command line (names with spaces in quotes: FILE='"Lieferung A.xlsx" b.csv').
    """
    value = value.strip()
    if not value:
        return []
    if Path(value).exists():
        return expand_paths([value])
    try:
        parts = shlex.split(value)
    except ValueError:  # an unmatched quote: a single name after all
        parts = [value]
    return expand_paths(parts)


def _parser() -> arguments.ArgumentParser:
    parser = arguments.ArgumentParser(
        description="Liest Datenlieferungen (.xlsx oder .csv) ein: prüft alle Dateien, meldet alle Probleme "
                    "und speichert nur fehlerfreie Lieferungen (alle zusammen oder keine).",
    )
    parser.add_argument("files", nargs="*", metavar="DATEI", help="gelieferte Datei(en), .xlsx oder .csv")
    parser.add_argument("--revise", action="store_true",
                        help="abweichende Werte für schon gespeicherte Jahre/Gebiete übernehmen (wird protokolliert, Zeichen r)")
    parser.add_argument("--confirm-jumps", action="store_true",
                        help="große Sprünge gegenüber dem Vorjahr bestätigen und trotzdem speichern")
    parser.add_argument("--check", action="store_true", help="nur prüfen, nichts speichern")
    parser.add_argument("--files-from-env", metavar="VARIABLE", default=None,
                        help="Datei(en), Ordner oder Muster aus dieser Umgebungsvariablen (so übergibt "
                             "`make ingest FILE=…` Namen mit Leer- und Sonderzeichen an der Shell vorbei)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.files = expand_paths(args.files)
    if args.files_from_env:
        args.files += paths_from_value(os.environ.get(args.files_from_env, ""))
    if not args.files:
        print("Fehler: keine Datei angegeben. Aufruf: make ingest FILE=pfad/zur/lieferung.xlsx "
              "(ein Ordner oder ein Muster wie FILE=\"lieferungen/*.xlsx\" geht auch; mehrere Namen mit "
              "Leerzeichen je in Anführungszeichen: FILE='\"Lieferung A.xlsx\" b.csv').", file=sys.stderr)
        return 1
    store = Store.current()
    try:
        limits = config.intake()
    except config.ConfigError as exc:
        print(f"Fehler in den Einstellungen: {exc}", file=sys.stderr)
        return 1
    try:
        with memory_capped(limits.memory_bytes):
            outcome = ingest(args.files, revise=args.revise, confirm_jumps=args.confirm_jumps, check_only=args.check,
                             store=store)
    except MemoryError:
        files = ", ".join(Path(f).name for f in args.files)
        print(f"Fehler: Die Lieferung braucht mehr Arbeitsspeicher als erlaubt ({_gb(limits)} GB; {files}). "
              "Nichts gespeichert. Große Lieferungen auf mehrere Dateien aufteilen (etwa je Merkmal oder Jahr); "
              f"ist die Lieferung richtig so groß, die Grenze in {config.RELATIVE} erhöhen (Abschnitt intake, "
              "Schlüssel memory_gb).", file=sys.stderr)
        return 1
    except model.DataError as exc:
        print(f"Fehler in den gespeicherten Daten: {exc}", file=sys.stderr)
        return 1
    except storage.Busy as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    files = " ".join(str(f) for f in args.files)
    for line in outcome.recovered:
        print(line)
    if outcome.problems:
        confirmed = args.confirm_jumps and not outcome.errors and not args.check
        print(problems_module.report(outcome.problems, confirmed=confirmed), file=sys.stderr)
        print(file=sys.stderr)
    if outcome.errors:
        n = len(outcome.errors)
        print(f"Nichts gespeichert: {n} Fehler. Bitte jeden Fehler wie angegeben in der Lieferung beheben "
              f"(oder die liefernde Stelle um eine korrigierte Datei bitten) und dann erneut ausführen: "
              f"make ingest FILE=\"{files}\"", file=sys.stderr)
        return 1
    if outcome.warnings and not args.confirm_jumps:
        print(f"Nichts gespeichert: {len(outcome.warnings)} Werte springen stark gegenüber dem letzten gespeicherten Jahr. "
              f"Bitte prüfen; sind sie richtig: make ingest FILE=\"{files}\" CONFIRM=1 "
              f"(python -m helpers.intake.ingest … --confirm-jumps).", file=sys.stderr)
        return 1
    text = summary(outcome, check_only=args.check)
    if text:
        print(text)
    if outcome.stored:
        print(f"Gespeichert in {_shown(store.deliveries_csv)}; Protokoll: {_shown(store.ingest_log)}, "
              f"Revisionen: {_shown(store.revisions)}. Nächster Schritt: make report YEAR=<Berichtsjahr>")
    elif args.check:
        print("Nur geprüft, nichts gespeichert.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
