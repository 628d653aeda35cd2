"""The area profiles: one static page and one CSV per area of the base level, and their list (profile/).

Rendered from the Jinja2 templates in templates/profile/ (autoescaped; a city replaces a page with a file of
the same name in its config/<city>/templates/, or a block of it by extending "default/profile.html.j2"),
from what helpers.sections.profiles assembles out of the exported tables. The pages need no script and no
network (the index has a small inline filter; without it the whole list is there) and link back to the
report (../report.html); the report links the list (helpers.publish.navigation). Each area's CSV holds its
rows of the indicator tables, written as the tables' CSV is (helpers.publish.tables.csv_text).

A build writes the profiles into its staging folder; the disclosure checker reads every number of them
there (helpers.disclosure.profile_numbers) before they are published with the report. Their key (the
exported frame, the texts, the boundaries, the templates, this code) is kept in .work/profile.json; an
unchanged key with the files in view intact writes nothing.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from helpers.core import areas, fileio, levels, paths
from helpers.core import city as city_profile
from helpers.figures import inline_svg
from helpers.publish import tables
from helpers.sections import profiles as assemble

#: The folder beside report.html, and the report's link to the list (helpers.publish.navigation).
FOLDER = paths.PROFILES
INDEX = "index.html"
#: The project's templates.
DEFAULTS = Path(__file__).parent / "templates" / "profile"
PAGE, LIST = "profile.html.j2", "profile_index.html.j2"
#: The key of the profiles in view, in .work/.
RECORD = "profile.json"
#: The key of profiles staged by a run that has not published yet.
PENDING = "profile.pending.json"


def link() -> str:
    """The list's address relative to report.html."""
    return f"{FOLDER}/{INDEX}"


def page_link(code: str) -> str:
    """One area's profile relative to report.html (the interactive maps link here)."""
    return f"{FOLDER}/{code}.html"


@functools.lru_cache(maxsize=4)
def _environment(city: Path) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(DEFAULTS)}),
        jinja2.FileSystemLoader([city, DEFAULTS]),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(cell=cell_html, year_cell=year_cell_html, rank=rank_html, count=count_html, label=label_html)
    return env


# Every number a profile shows stands in an element that names where it comes from, so the disclosure checker
# can read it back (helpers.disclosure.profile_numbers). Filters, not template macros: a page has some
# 800 of them, and macros made rendering four times slower.

def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def cell_html(c: assemble.Cell | None) -> Markup:
    """A published cell: `<data value data-cell>` with its text as the report shows it; nothing without a row."""
    if c is None:
        return Markup('<span class="visually-hidden">kein Wert</span>')
    return Markup(f'<data value="{c.data_value}" data-cell="{_esc(c.key)}">{_esc(c.text)}</data>')


def year_cell_html(c: assemble.Cell | None) -> Markup:
    """A cell of a series row (`<tr data-row>`): only its year on the element, the rest of the key on the row."""
    if c is None:
        return Markup('<span class="visually-hidden">kein Wert</span>')
    return Markup(f'<data value="{c.data_value}" data-year="{c.year}">{_esc(c.text)}</data>')


def rank_html(r: assemble.Rank | None) -> Markup:
    if r is None:
        return Markup('<span class="visually-hidden">kein Rang</span>')
    return Markup(f'<span data-rank="{_esc(r.key)}">{_esc(r.text)}</span>')


def label_html(row: assemble.Row) -> Markup:
    """An indicator's name, group and unit (numbers in it, "je 100", are the catalogue's, which the checker compares)."""
    from helpers.disclosure.profile_numbers import row_label

    key = assemble.label_key(row)
    return Markup(f'<span data-label="{_esc(key)}">{_esc(row_label(row.indicator, row.group, _catalogue()))}</span>')


def _catalogue():
    from helpers.core import catalogue

    return catalogue.load()


def count_html(n: int) -> Markup:
    return Markup(f"<span data-count>{int(n)}</span>")


def _template(name: str) -> jinja2.Template:
    return _environment(paths.CITY_TEMPLATES).get_template(name)


def _common(year: int) -> dict:
    h = levels.hierarchy()
    return {"title": f"Integrationsmonitoring {areas.city().short} {year}", "city": areas.city().short,
            "css": Markup((DEFAULTS / "profile.css").read_text(encoding="utf-8")), "report_link": "../report.html",
            "base_name": h.base.name, "base_plural": h.base.plural, "base_dative": h.base.dative, "year": year,
            "source": f"Quelle: {city_profile.statistics_name()}; Berechnung: Integrationsmonitoring-Werkbank"}


def _sparklines(p: assemble.Profile) -> dict[str, Markup]:
    out = {}
    for row in p.rows:
        points = [(year, c.value if c is not None else None) for year, c in zip(p.years, row.trend)]
        label = f"Verlauf {p.years[0]}–{p.years[-1]}; Werte unter „Werte der Jahre“"
        out[row.area.key] = Markup(inline_svg.sparkline(row.area.row_key, points, label))
    return out


def render_page(p: assemble.Profile, texts: list[assemble.ProfileText]) -> str:
    """One profile page."""
    where = f"Lage von {p.name}" + (f" im {p.parent_level} {p.parent_name}" if p.parent_name else "")
    return _template(PAGE).render(
        p=p, texts=[{"label": t.label, "file": t.file, "html": Markup(t.html)} for t in texts],
        locator=Markup(inline_svg.locator(p.code, where)), sparklines=_sparklines(p),
        any_synthetic=any(r.synthetic for r in p.rows), **_common(p.year))


def render_index(found: list[assemble.Profile], year: int) -> str:
    """The list of all profiles, by name."""
    import unicodedata

    def plain(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))

    entries = [{"code": p.code, "name": p.name, "search": plain(p.name),
                "parent": f"{p.parent_level} {p.parent_name}" if p.parent_name else ""} for p in found]
    return _template(LIST).render(entries=entries, **_common(year))


def render(table: pd.DataFrame, year: int) -> dict[str, bytes]:
    """Every file of profile/ (name relative to the folder -> content)."""
    t = assemble.Tables(table, year)
    found = assemble.profiles(t)
    texts = assemble.texts_naming(t)
    files: dict[str, bytes] = {INDEX: render_index(found, year).encode("utf-8")}
    for p in found:
        files[f"{p.code}.html"] = render_page(p, texts.get(p.code, [])).encode("utf-8")
        files[f"{p.code}.csv"] = tables.csv_text(p.values.reindex(columns=tables.COLUMNS)).encode("utf-8")
    return files


def key(table: pd.DataFrame, year: int) -> str:
    """What the profiles depend on: the exported frame, the year's texts, the boundaries, areas, templates, code."""
    from helpers.core import texts as staff_texts

    texts_dir = staff_texts.folder(year)
    inputs = [*sorted(texts_dir.rglob("*.md")), *sorted(paths.GEO_DIR.glob("*.geojson")),
              paths.AREAS_CSV, paths.CITY_YAML, paths.CATALOGUE_YAML, *sorted(DEFAULTS.glob("*")),
              *sorted(paths.CITY_TEMPLATES.glob("profile*")),
              Path(__file__), Path(assemble.__file__), Path(inline_svg.__file__)]
    frame = pd.util.hash_pandas_object(table.astype(str), index=False).to_numpy().tobytes()
    return fileio.digest({"year": year, "table": fileio.sha256_bytes(frame),
                          "files": {str(p): fileio.sha256_file(p) for p in inputs if p.is_file()}})


def _record(out: Path, name: str = RECORD) -> dict:
    try:
        return json.loads((paths.work_dir(out) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def up_to_date(out: Path, wanted: str) -> bool:
    """The profiles in view were made with this key and are as they were written."""
    found = _record(out)
    files = found.get("files") or {}
    return (found.get("key") == wanted and bool(files)
            and all((Path(out) / name).is_file() and fileio.sha256_file(Path(out) / name) == sha for name, sha in files.items()))


def stage(table: pd.DataFrame, year: int, out: Path, stage_dir: Path) -> bool:
    """Write profile/ into the staging folder unless the profiles in view are current; True if staged.

    The key is noted in .work/profile.pending.json and becomes the record once published (`published`); profiles
    this run staged already with the same key are not written again."""
    wanted = key(table, year)
    if up_to_date(out, wanted):
        return False
    folder = Path(stage_dir) / FOLDER
    pending = _record(out, PENDING)
    if pending.get("key") == wanted and all((folder.parent / name).is_file()
                                            and fileio.sha256_file(folder.parent / name) == sha
                                            for name, sha in (pending.get("files") or {}).items()):
        return True  # staged by this run already (while the chapters ran, helpers.runner.alongside)
    files = render(table, year)
    for name, content in files.items():
        fileio.write_atomic(folder / name, lambda tmp, data=content: tmp.write_bytes(data))
    pending = {"key": wanted, "files": {f"{FOLDER}/{name}": fileio.sha256_bytes(data) for name, data in files.items()}}
    fileio.write_text_atomic(paths.work_dir(out) / PENDING, json.dumps(pending, indent=1))
    return True


def published(out: Path) -> None:
    """After publication: the staged profiles' key becomes the record of the profiles in view."""
    pending = paths.work_dir(out) / PENDING
    if pending.is_file():
        fileio.replace(pending, paths.work_dir(out) / RECORD)


def in_view(out: Path) -> list[str]:
    """The profile files beside a report (relative to its folder), for the manifest and the run state."""
    folder = Path(out) / FOLDER
    return sorted(f"{FOLDER}/{p.name}" for p in folder.glob("*") if p.is_file() and not fileio.is_temporary(p)) \
        if folder.is_dir() else []
