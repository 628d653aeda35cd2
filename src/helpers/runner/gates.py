"""The checks of the staff's texts that can stop a run: before any kernel starts, and after the chapters.

Before: a text that cannot be used (misplaced, unknown name, bad front matter, an image, a placeholder
naming something unknown) stops the run with one message instead of one failed chapter per text place;
a release also refuses drafts and example texts. After: the year's texts against what the chapters
recorded (helpers.disclosure.textcheck): hints are printed as the run's own lines and kept for the
summary; a fatal problem (a hidden value revealed, or any hint in a release) publishes nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from helpers.core import config, paths, texts
from helpers.runner.plan import Plan, chapter_notebooks, side_dir
from helpers.runner.summary import Summary, TextState, shown_path

if TYPE_CHECKING:
    from helpers.disclosure.text_findings import Problem


def text_state(year: int) -> TextState:
    """The year's texts as their front matter says; none readable when one is broken (texts_refused names it)."""
    try:
        return TextState.of_year(year)
    except texts.TextError:
        return TextState()


def unfinished_refused(year: int, state: TextState) -> bool:
    """A release refuses texts not yet released and example texts (also released ones), naming them
    (before any kernel starts)."""
    def listed(files: list[str]) -> None:
        for name in files:
            print(f"  {shown_path(paths.ROOT / name)}", file=sys.stderr)

    if state.drafts:
        print(f"Fehler: Eine Ausgabe für {year} ist nicht möglich, solange Texte Entwürfe sind:", file=sys.stderr)
        listed(state.drafts)
        print(f"  Freigeben mit: integrationsmonitoring texts freigeben --jahr {year} (make texts-release YEAR={year})",
              file=sys.stderr)
    if state.examples:
        print(f"Fehler: Eine Ausgabe für {year} ist nicht möglich, solange Beispieltexte der Demodaten darunter sind "
              "(Kopf „beispiel: true“):", file=sys.stderr)
        listed(state.examples)
        print("  Bitte durch eigene Texte ersetzen (und „beispiel: true“ aus dem Kopf entfernen) oder löschen.",
              file=sys.stderr)
    return bool(state.drafts or state.examples)


def texts_refused(year: int) -> bool:
    """A text that cannot be used stops the run before any kernel starts, with one message.

    The run checks again only when a text, the data (the catalogue's names) or the code changed since the
    last check passed (Plan.texts_key): the check imports the catalogue and with it pandas, about a second
    before the first kernel can start, which a rebuild after a notebook edit would otherwise wait for."""
    from helpers.core import catalogue
    from helpers.disclosure import citations

    cat = catalogue.load()
    try:
        for text in texts.load(year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators}):
            citations.references(text)  # every placeholder names a known indicator, group, year and area
    except texts.TextError as err:
        print(f"Fehler in den Texten der Verwaltung: {err}", file=sys.stderr)
        return True
    return False


@dataclass(frozen=True)
class TextFindings:
    """What the check after the chapters found: its problems, or the error of a text it could not read."""

    problems: list[Problem] = field(default_factory=list)
    error: str = ""  # a text that cannot be read (helpers.core.texts.TextError): fatal, of kind "text"

    @property
    def hints(self) -> list[tuple[str, str]]:
        """(kind, message) of every finding, fatal ones too: the summary counts them, the run state keeps them."""
        found = [(problem.kind, str(problem)) for problem in self.problems]
        return found + ([("text", self.error)] if self.error else [])

    @property
    def fatal(self) -> list[str]:
        return [str(problem) for problem in self.problems if problem.fatal] + ([self.error] if self.error else [])


def text_findings(p: Plan, final: bool) -> TextFindings:
    """The year's staff texts against what the report shows (the chapters' records in out/published):
    typed numbers that match no number at their place or not the area their sentence names, placeholders
    that show no number, texts no chapter shows (fatal if the setting or a release says so), typed
    numbers that reveal a hidden value (always fatal)."""
    from helpers.disclosure import register, textcheck
    from helpers.runner import publication

    stop = final or config.load().typed_numbers == "abbrechen"
    records = register.read_records(publication.records_dir(p.out))
    shown_in: dict[str, set[str]] = {}  # text (relative to data/) -> chapters that show it
    for nb in p.notebooks:
        for name, checksum in texts.read_log(side_dir(p.out, nb)).items():
            if checksum:
                shown_in.setdefault(name, set()).add(nb.stem)
    every_chapter = [nb.name for nb in p.notebooks] == [nb.name for nb in chapter_notebooks()]
    try:
        return TextFindings(list(textcheck.check(p.year, stop, shown=records if len(records) else None,
                                                 shown_in=shown_in if every_chapter else None, final=final)))
    except texts.TextError as err:
        return TextFindings(error=str(err))


def findings_refused(findings: TextFindings, summary: Summary) -> bool:
    """Print hints as the run's own lines and the fatal problems as the failure; True if any is fatal."""
    summary.hints = findings.hints
    for problem in findings.problems:
        if not problem.fatal:
            print(f"  Hinweis: {problem}", flush=True)
    if findings.fatal:
        print(f"\n{len(findings.fatal)} Problem(e) in den Texten der Verwaltung (data/{paths.CITY}/texte/); kein Bericht erstellt:",
              file=sys.stderr)
        for message in findings.fatal:
            print(f"  {message}", file=sys.stderr)
    return bool(findings.fatal)
