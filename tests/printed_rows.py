"""Reading a row of a printed SMS table the way a person does, independently of the project's parsers.

The SMS text layer prints thousands with a blank ("12 345"), so a row of numbers can be split in several
ways; the tests that re-read source cells (test_sms_age.py, test_sms_households.py) try every reading and keep
the ones whose sums hold.
"""

from __future__ import annotations

import re


def readings(row: str, revised_mark: bool = False) -> list[list[str]]:
    """Every way to read the row: a number is 1-3 digits followed by groups of exactly three digits, each after
    exactly one blank (joined cells keep their blanks); with `revised_mark`, an "r" after a group ends the number
    (a revised figure). Anything else ("10,4", ".", "-") stands alone."""
    spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", row)]
    group = r"\d{3}r?" if revised_mark else r"\d{3}"
    out: list[list[str]] = []

    def walk(i: int, cells: list[str]) -> None:
        if i == len(spans):
            out.append(cells)
            return
        text, _, end = spans[i]
        walk(i + 1, [*cells, text])
        j = i + 1
        while (re.fullmatch(r"\d{1,3}", text) and j < len(spans) and re.fullmatch(group, spans[j][0])
               and spans[j][1] == end + 1 and j - i < 3):
            text, end = f"{text} {spans[j][0]}", spans[j][2]
            j += 1
            walk(j, [*cells, text])
            if text.endswith("r"):
                break

    walk(0, [])
    return out
