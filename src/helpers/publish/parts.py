"""The part format of the stitched report: marks between its parts, shared by helpers.publish.stitch,
which writes them, and helpers.publish.pdf, which renders the report part by part.

Light on purpose (no nbconvert, no pandas): the PDF worker processes need these and nothing else of the
conversion; importing helpers.publish.stitch cost each of them 0.8 s of CPU while the chapters ran.
"""

from __future__ import annotations

import re

#: Marks the start of each part of the body (opening pages, one per chapter, closing pages), so
#: helpers.publish.pdf can render and cache the parts one by one from the same HTML.
PART_MARK = "<!-- im:part {name} -->"
PART_RE = re.compile(r"<!-- im:part ([\w-]+) -->")
FRONT, BACK = "vorspann", "anhang"
#: Where the body sits in the exported page (nbconvert's lab template).
BODY_START, BODY_END = "<main>", "</main>"
#: Around the reading aids before <main> (skip link, side contents): screen only, not in the PDF's parts.
AIDS_START, AIDS_END = "<!-- im:aids -->", "<!-- /im:aids -->"
AIDS_RE = re.compile(re.escape(AIDS_START) + ".*?" + re.escape(AIDS_END), re.DOTALL)


def split_parts(page: str) -> tuple[str, list[tuple[str, str]], str]:
    """(head up to <main> without the screen's reading aids, [(part name, body HTML)], tail from </main>)
    of a stitched report."""
    start, end = page.index(BODY_START) + len(BODY_START), page.rindex(BODY_END)
    body = page[start:end]
    marks = list(PART_RE.finditer(body))
    if not marks:
        raise ValueError("Der Bericht enthält keine Teilmarken (<!-- im:part … -->); bitte neu erstellen.")
    parts = [(m.group(1), body[m.end():nxt.start() if nxt else len(body)])
             for m, nxt in zip(marks, [*marks[1:], None])]
    return AIDS_RE.sub("", page[:start], count=1), parts, page[end:]
