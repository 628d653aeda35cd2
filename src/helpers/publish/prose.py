"""The report's own pages in German (title, contents, reading guide, method notes, sources, symbols),
rendered from the Jinja2 templates in templates/report/, which a city can override.

The wording lives in the templates; helpers.publish.stitch computes the values (area level names,
counts, rules, lists) and passes them in. A city replaces a whole page with a file of the same name in
its `config/<city>/templates/`, or one paragraph: every paragraph is a block, and the project's page is
reachable as "default/<name>", so a city's file can be

    {% extends "default/method_notes.html.j2" %}
    {% block segregation %}<dt>Segregation</dt><dd>Our own words.</dd>{% endblock %}

Values are escaped (autoescape, as for any HTML template); a value that is HTML already is passed as
markupsafe.Markup. The templates are written over several lines for reading: a line break next to a
tag is dropped and any other becomes one space, so the page is one line of HTML, as the report's
markdown cells need (a blank line would end the HTML block there).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2

from helpers.core import concept, paths

#: The project's page templates.
DEFAULTS = Path(__file__).parent / "templates" / "report"

_BREAK = re.compile(r"[ \t]*\n\s*")


def city_folder() -> Path:
    """The folder whose templates replace the project's pages of the same name for this city."""
    return paths.CITY_TEMPLATES


@functools.lru_cache(maxsize=4)
def _environment(city: Path) -> jinja2.Environment:
    """Templates looked up in the city's folder first, then the project's; "default/…" always the project's."""
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(DEFAULTS)}),
        jinja2.FileSystemLoader([city, DEFAULTS]),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=False)
    env.filters["say"] = concept.say  # Münster's concept in the wording, the city's in the report
    return env


def _one_line(text: str) -> str:
    """The rendered page as one line: breaks next to a tag vanish, others become a space."""
    def join(match: re.Match) -> str:
        before = text[match.start() - 1] if match.start() else ">"
        after = text[match.end()] if match.end() < len(text) else "<"
        return "" if before == ">" or after == "<" else " "

    return _BREAK.sub(join, text).strip()


class TemplateProblem(ValueError):
    """A page template that cannot be rendered; the message names the file and line (a city's own, mostly)."""


def _where(exc: BaseException) -> tuple[str, int | None]:
    """The template file and line an error of Jinja2 arose in: its own for a syntax error, else the last
    template frame of the traceback (Jinja2 maps rendering errors to the template's lines there)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    found: tuple[str, int | None] = ("", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render(name: str, **values: object) -> str:
    """The page `name` (a file in templates/report/, or the city's own) with `values`, as one line of HTML.
    A template that cannot be rendered raises TemplateProblem naming its file and line, in German."""
    try:
        return _one_line(_environment(city_folder()).get_template(name).render(**values))
    except jinja2.TemplateError as exc:
        file, line = _where(exc)
        place = f"{file or name}" + (f", Zeile {line}" if line else "")
        own = bool(file) and Path(file).resolve().is_relative_to(city_folder().resolve())
        remedy = ("Bitte die Vorlage der Stadt berichtigen oder löschen (dann gilt die des Projekts)." if own
                  else "Bitte die Vorlage berichtigen.")
        raise TemplateProblem(f"{place}: Die Seitenvorlage lässt sich nicht verwenden "
                              f"({type(exc).__name__}: {exc}). {remedy}") from None
