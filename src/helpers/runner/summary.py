"""The block every build ends with: what ran, what the staff texts still lack, where the report is.

Staff re-run the report many times before an edition; the chapter lines scroll by, and hints printed
among them are easy to miss. So every build (a refused or failed one too) ends with one summary:
chapters run, drafts and example texts, hints (typed numbers that match nothing at their place,
placeholders that show no number), and which report is in view afterwards: the new one, or the
previous complete one, untouched, when this build published nothing. A release refuses everything
the summary counts as open (helpers.runner.report, `final`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import texts

#: How the summary names the kinds of hints (helpers.disclosure.text_findings.Problem.kind).
HINT_KINDS = {"zahl": ("abgetippte Zahl", "abgetippte Zahlen"),
              "platzhalter": ("Platzhalter ohne veröffentlichten Wert", "Platzhalter ohne veröffentlichten Wert"),
              "ort": ("Text, den kein Kapitel zeigt", "Texte, die kein Kapitel zeigt"),
              "geheim": ("Zahl, die einen geheimen Wert verrät", "Zahlen, die einen geheimen Wert verraten"),
              "text": ("Fehler in einem Text", "Fehler in Texten")}


@dataclass
class TextState:
    """The year's staff texts as their front matter says."""

    count: int = 0
    drafts: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @classmethod
    def of_year(cls, year: int) -> TextState:
        listed = texts.listing(year)
        return cls(len(listed), [t["file"] for t in listed if t["status"] != "freigegeben"],
                   [t["file"] for t in listed if t["example"]])


@dataclass
class Summary:
    """What one build did and left open (German lines for the console)."""

    year: int
    out: Path
    chapters: int
    ran: int = 0
    failed: int = 0
    texts: TextState = field(default_factory=TextState)
    hints: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    published: bool = False  # this build put a new report in view
    unchanged: bool = False  # nothing to do: the report in view is up to date
    seconds: float = 0.0

    def _count(self, n: int, words: tuple[str, str]) -> str:
        return f"{n} {words[0] if n == 1 else words[1]}"

    def _report_line(self) -> str:
        report = self.out / "report.html"
        shown = shown_path(report)
        if self.published:
            return f"{shown} (neu erstellt, {self.seconds:.1f} s)"
        if self.unchanged:
            return f"{shown} (unverändert, {self.seconds:.1f} s)"
        if report.is_file():
            stamp = datetime.datetime.fromtimestamp(report.stat().st_mtime).strftime("%d.%m.%Y %H:%M")
            return f"kein neuer erstellt; der vorherige vom {stamp} bleibt unverändert: {shown}"
        return "kein Bericht erstellt (es gibt keinen vorherigen für dieses Jahr)"

    def lines(self) -> list[str]:
        chapters = f"{self.chapters} ({self.ran} ausgeführt, {self.chapters - self.ran} unverändert"
        chapters += f", {self.failed} fehlgeschlagen)" if self.failed else ")"
        text_line = "keine" if not self.texts.count else f"{self.texts.count}"
        if self.texts.count:
            text_line += f", davon {len(self.texts.drafts)} Entwürfe" if self.texts.drafts else ", alle freigegeben"
            if self.texts.examples:
                text_line += f" und {len(self.texts.examples)} Beispieltexte (vor einer Ausgabe ersetzen oder löschen)"
        kinds: dict[str, int] = {}
        for kind, _ in self.hints:
            kinds[kind] = kinds.get(kind, 0) + 1
        hint_line = "keine" if not self.hints else f"{len(self.hints)} (" + ", ".join(
            self._count(n, HINT_KINDS.get(kind, (kind, kind))) for kind, n in kinds.items()) + "; oben einzeln)"
        return [f"Zusammenfassung, Berichtsjahr {self.year}:",
                f"  Kapitel:  {chapters}",
                f"  Texte:    {text_line}",
                f"  Hinweise: {hint_line}",
                f"  Bericht:  {self._report_line()}"]

    def print(self) -> None:
        print("\n".join(self.lines()), flush=True)


def shown_path(path: Path) -> Path:
    """A path as the user typed the command: relative to the working folder when it lies inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
