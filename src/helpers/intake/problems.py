"""One problem of a delivery and the German report listing all of them.

A department fixes its file from this report alone, so every problem says where it is
(file, sheet, row, column), what was found, what is expected, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Problems shown in full; the rest is counted ("… und N weitere").
SHOW_AT_MOST = 60
#: Characters of a found cell shown in a message.
QUOTE_AT_MOST = 60


@dataclass(frozen=True)
class Problem:
    """One error (the delivery is refused) or warning (stored only when confirmed)."""

    file: str
    what: str
    expected: str
    fix: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    found: str | None = None
    letter: str | None = None  # Excel column letter
    warning: bool = False
    quoted: bool = True  # `found` is a cell's content (quoted) or a description of several cells

    @property
    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"Blatt „{self.sheet}“")
        if self.row is not None:
            parts.append(f"Zeile {self.row}")
        if self.column and self.letter:
            parts.append(f"Spalte {self.letter} „{self.column}“")
        elif self.column:
            parts.append(f"Spalte „{self.column}“")
        elif self.letter:
            parts.append(f"Spalte {self.letter}")
        return ", ".join(parts)

    def text(self) -> str:
        kind = "WARNUNG" if self.warning else "FEHLER"
        shown = quote(self.found) if self.quoted else self.found
        found = f" Gefunden: {shown}." if self.found is not None else ""
        return (
            f"{kind}  {self.location}: {self.what}.{found} Erwartet: {self.expected}.\n"
            f"         So beheben: {self.fix}"
        )

    def sort_key(self) -> tuple:
        return (self.file, self.sheet or "", -1 if self.row is None else self.row, self.warning)


def quote(value: object) -> str:
    """German quotation marks around a cell value; empty cells say so."""
    text = "" if value is None else str(value)
    if len(text) > QUOTE_AT_MOST:  # a pasted text or a 5,000-digit number: enough to find it
        text = f"{text[:QUOTE_AT_MOST]} … ({len(text):,} Zeichen)".replace(",", ".")
    return "„“ (leer)" if text.strip() == "" else f"„{text}“"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if not p.warning]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.warning]


def report(problems: list[Problem], limit: int = SHOW_AT_MOST) -> str:
    """All problems sorted by file and row, at most `limit` in full, the rest counted."""
    ordered = sorted(problems, key=Problem.sort_key)
    lines = [p.text() for p in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"… und {len(ordered) - limit} weitere Probleme (nach Behebung der obigen erneut prüfen).")
    return "\n".join(lines)


def fmt_int(value: int | None) -> str:
    """A count the German way: 1.234; missing as '.'."""
    return "." if value is None else f"{value:,}".replace(",", ".")
