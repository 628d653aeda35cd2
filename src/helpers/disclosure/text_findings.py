"""What the text check reports: the finding type of a staff text and the German wording of each kind.

A finding names the file and line a person must fix (helpers.core.problems) and its kind, by which
the build's summary counts the hints: "zahl" (a typed number that fits no published one), "geheim"
(a typed number equal to a hidden value), "platzhalter" (a placeholder that shows no number), "ort"
(a text no chapter shows). Whether a number fits is decided in helpers.disclosure.textcheck; the
sentences here only say it, with the closest published values a reader may have meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import catalogue, formatting
from helpers.core import problems as core_problems
from helpers.core.problems import Location, Severity
from helpers.core.texts import StaffText
from helpers.disclosure.number_places import Place
from helpers.disclosure.typed_numbers import TypedNumber


@dataclass(frozen=True)
class Problem(core_problems.Problem):
    """A finding in a staff text (its file and line, None for the text as a whole); fatal ones stop the build,
    the others are hints. What it adds: its kind, by which the build's summary counts the hints."""

    kind: str = "zahl"  # "zahl": a typed number; "geheim": a hidden value; "platzhalter": a placeholder; "ort": shown nowhere

    @property
    def fatal(self) -> bool:
        return self.severity is Severity.ERROR


def problem(path: Path, line: int | None, message: str, fatal: bool, kind: str = "zahl") -> Problem:
    """A finding at a line of a text file (the whole text for None)."""
    return Problem(Location(str(path), row=line), message, Severity.ERROR if fatal else Severity.HINT, kind)


def closest(number: TypedNumber, candidates: tuple[float, ...], n: int = 3) -> str:
    """Up to `n` published values nearest the number, as the report writes them ("keine" when there are none)."""
    near = sorted(candidates, key=lambda c: abs(c - number.value))
    shown: list[str] = []
    for c in near:
        text = formatting.number(c, number.decimals if number.is_rate else 0)
        if text not in shown:
            shown.append(text)
        if len(shown) == n:
            break
    return ", ".join(shown) or "keine"


def _shown_value(row: pd.Series, number: TypedNumber, several: bool) -> str:
    """"41,4 % (2019)", with the group and, for a text on several indicators, the indicator."""
    value = formatting.number(float(row["value"]), max(number.decimals, 1))
    unit = f"\u00a0{row['unit']}" if row["unit"] else ""
    about = [str(row["year"])]
    if row["group"] != "total":
        about.append(catalogue.GROUP_LABELS.get(row["group"], row["group"]))
    if several:
        about.append(str(row["indicator_name"]))
    return f"{value}{unit} ({', '.join(about)})"


def area_message(number: TypedNumber, place: Place, text: StaffText, cells: pd.DataFrame, at: pd.DataFrame,
                 candidates: tuple[float, ...], years: set[int]) -> str:
    """Why a number by a named area is not that area's value: what is published there (for a rate, and whose
    value the number is elsewhere) or the closest counts, and the placeholder that would cite it."""
    cells = cells[cells["value"].notna()]
    name = place.mention.areas[0][2]
    several = at["indicator"].nunique() > 1
    message = f"„{number.text}“ steht bei {name}"
    if number.is_rate and not number.points:
        near = at.assign(distance=(at["value"].astype(float) - number.value).abs()).sort_values(["distance", "year"])
        shown = list(dict.fromkeys(_shown_value(row, number, several) for _, row in near.head(3).iterrows()))
        message += f"; veröffentlicht ist dort {', '.join(shown)}"
        owners = cells[(cells["value"].astype(float).round(number.decimals) - number.value).abs() < 1e-9]
        owners = owners.assign(other_group=owners["group"].ne("total")).sort_values(["other_group", "year"],
                                                                                   ascending=[True, False])
        named = [f"{n} {y}" for n, y in dict.fromkeys(zip(owners["area_name"].fillna("").astype(str), owners["year"]))
                 if n and n != name][:2]
        if named:
            message += f" ({number.text} ist z. B. der Wert von {' und '.join(named)})"
    else:
        message += f" und passt zu keiner veröffentlichten Zahl dieses Gebiets ({', '.join(str(y) for y in sorted(years))})"
        message += f"; am nächsten: {closest(number, candidates)}"
    cite = f"{{{{{text.key} {place.mention.written}}}}}" if text.place == "indikator" else "{{indikator jahr gebiet}}"
    return f"{message}. Tippfehler oder nach einer Revision veraltet? Besser als Platzhalter zitieren, z. B. {cite}."


def secret_message(number: TypedNumber) -> str:
    """A typed number equal to a value the rule hides at its place."""
    return (f"„{number.text}“ gleicht einem Wert, den die Geheimhaltungsregel "
            "hier nicht veröffentlicht. Bitte streichen (eine kleine Zahl, die "
            "keine Fallzahl ist, als Wort schreiben).")


def stale_message(number: TypedNumber, year: int, published: tuple[float, ...]) -> str:
    """A typed statistic that fits no published number of its place up to the report year."""
    return (f"„{number.text}“ passt zu keiner veröffentlichten Zahl dieser Stelle "
            f"(bis {year}); am nächsten: {closest(number, published)}. "
            "Tippfehler oder nach einer Revision veraltet? Besser als Platzhalter "
            "zitieren, z. B. {{indikator jahr gebiet}}.")


def unworded_message(count: int) -> str:
    """The one finding that counts the stale numbers of a text beyond those worded one by one."""
    return (f"… und {count} weitere Zahlen dieses Texts ab dieser Zeile, "
            "die nicht zu ihrer Stelle passen (nicht einzeln aufgeführt).")


def nowhere(text: StaffText, stop_on_stale: bool) -> Problem:
    """A text that no chapter of the report shows (it would be missing unnoticed)."""
    what = {"indikator": f"den Indikator '{text.key}' mit seinem Abschnitt (blocks.indicator_section)",
            "handlungsfeld": f"die Einordnung des Handlungsfelds '{text.key}' (blocks.opening)",
            "empfehlungen": f"die Empfehlungen des Handlungsfelds '{text.key}' (blocks.recommendations)",
            "einleitung": "die Einleitung (commentary.introduction)"}[text.place]
    return problem(text.path, None, f"Dieser Text erscheint in keinem Kapitel des Berichts: kein Kapitel zeigt {what}. "
                                    "Datei umbenennen oder den Abschnitt in ein Kapitel aufnehmen.", fatal=stop_on_stale, kind="ort")
