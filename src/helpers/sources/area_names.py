"""How an area's name is matched, shared by every source parser and the intake.

Sources spell the same area differently (blanks around hyphens, case, Unicode composition);
`normalise_name` gives the form they are compared in. `UNASSIGNED_CODE` is the code of the
persons a source counts in the city but in no area ("nicht zuzuordnen").

A city's own names and their accepted variants live in its subpackage (e.g.
`helpers.sources.muenster.hierarchy`), not here.
"""

from __future__ import annotations

import re
import unicodedata

UNASSIGNED_CODE = "0"  # "nicht zuzuordnen": counted in the city total, in no area


def normalise_name(name: str) -> str:
    """Comparable form of an area name: NFC, no blanks around hyphens, single blanks, casefolded."""
    name = unicodedata.normalize("NFC", name).strip()
    name = re.sub(r"\s*-\s*", "-", name)
    name = re.sub(r"\s+", " ", name)
    return name.casefold()
