"""The German words of the part-whole checks: group and part labels, why a relation holds, shortened chains.

Only wording: what is compared is decided in `relations`, `age_bands` and the checks (`group_checks`,
`area_checks`), which call these to say it.
"""

from __future__ import annotations

from helpers.intake.cells import SEX_DE, origin_label

#: Parts of a sum named in a message; a longer chain is shortened in the middle.
SHOW_PARTS = 12


def group_label(sex: str, origin: str, age: str) -> str:
    """'männlich, Ausländer/-innen, Alter 15-64', or 'insgesamt'."""
    parts = [SEX_DE[sex] if sex != "total" else "", origin_label(origin) if origin != "total" else "",
             ("Alter " + age) if age != "total" else ""]
    return ", ".join(p for p in parts if p) or "insgesamt"


def part_label(dimension: str, code: str) -> str:
    """One group of one dimension as the message names it: 'weiblich', 'Alter 15-64', 'insgesamt'."""
    if code == "total":
        return "insgesamt"
    if dimension == "sex":
        return SEX_DE[code]
    if dimension == "origin":
        return origin_label(code)
    return f"Alter {code}"


def age_reason(part: str, whole: str) -> str:
    """Why `part` is at most `whole`: 'die Altersgruppe 15-24 liegt in der Altersgruppe 15-64'."""
    return (f"die Altersgruppe {part if part != 'total' else 'insgesamt'} liegt in "
            f"{'allen Altersgruppen' if whole == 'total' else 'der Altersgruppe ' + whole}")


def chain_reason(parent: str, chain: tuple[str, ...], covers: bool) -> str:
    """Why a chain of disjoint age groups adds up to `parent` (`covers`: no gap) or is at most it."""
    whole = "alle Altersgruppen" if parent == "total" else "die Altersgruppe " + parent
    dative = "allen Altersgruppen" if parent == "total" else "der Altersgruppe " + parent
    shown = " + ".join(shortened(list(chain)))
    return (f"die Altersgruppen {shown} ergeben zusammen {whole}" if covers
            else f"die Altersgruppen {shown} überschneiden sich nicht und liegen in {dative}")


def shortened(items: list[str]) -> list[str]:
    """At most SHOW_PARTS items: the first ones, „…“ and the last two."""
    if len(items) <= SHOW_PARTS:
        return items
    return [*items[:SHOW_PARTS - 3], f"… ({len(items) - SHOW_PARTS + 1} weitere)", *items[-2:]]


def area_label(context, area: str) -> str:
    """A coded area ('stadtteil|34') as the message names it ('Stadtteil 34 Düesberg')."""
    level, code = area.split("|", 1)
    return context.label(level, code)
