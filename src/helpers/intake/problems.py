"""One problem of a delivery and the German report listing all of them.

A department fixes its file from this report alone, so every problem says where it is
(file, sheet, row, column: a `helpers.core.problems.Location`), what was found, what is
expected, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.core import problems as core_problems
from helpers.core.problems import Severity

#: Problems shown in full; the rest is counted ("… und N weitere").
SHOW_AT_MOST = 60
#: Characters of a found cell shown in a message.
QUOTE_AT_MOST = 60


@dataclass(frozen=True, kw_only=True)
class Problem(core_problems.Problem):
    """One error (the delivery is refused) or warning (stored only when confirmed, `Severity.WARNING`).

    A department fixes its file from the report alone, so a delivery's problem adds to the place and
    the message (what is wrong) what was found, what is expected and what to do.
    """

    expected: str
    fix: str
    found: str | None = None
    quoted: bool = True  # `found` is a cell's content (quoted) or a description of several cells

    @property
    def warning(self) -> bool:
        return self.severity is Severity.WARNING

    def text(self) -> str:
        kind = "WARNUNG" if self.warning else "FEHLER"
        shown = quote(self.found) if self.quoted else self.found
        found = f" Gefunden: {shown}." if self.found is not None else ""
        return (
            f"{kind}  {self.where}: {self.message}.{found} Erwartet: {self.expected}.\n"
            f"         So beheben: {self.fix}"
        )

    def confirmed_text(self) -> str:
        """A warning the sender confirmed (stored as it is): what was found, without a fix to apply."""
        shown = quote(self.found) if self.quoted else self.found
        found = f" Gefunden: {shown}." if self.found is not None else ""
        return f"BESTÄTIGT  {self.where}: {self.message}.{found} Eingelesen, wie bestätigt."

    def sort_key(self) -> tuple:
        return (self.where.file, self.where.sheet or "", -1 if self.where.row is None else self.where.row, self.warning)


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


def report(problems: list[Problem], limit: int = SHOW_AT_MOST, confirmed: bool = False) -> str:
    """All problems sorted by file and row, at most `limit` in full, the rest counted; `confirmed`: the
    warnings were confirmed and are stored, so they are said as such (no "So beheben" for a stored value)."""
    ordered = sorted(problems, key=Problem.sort_key)
    lines = [p.confirmed_text() if confirmed and p.warning else p.text() for p in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"… und {len(ordered) - limit} weitere Probleme (nach Behebung der obigen erneut prüfen).")
    return "\n".join(lines)


def fmt_int(value: int | None) -> str:
    """A count the German way: 1.234; missing as '.'."""
    return "." if value is None else f"{value:,}".replace(",", ".")
