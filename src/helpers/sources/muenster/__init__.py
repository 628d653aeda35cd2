"""Münster's publications: the small-area statistics (SMS), open data and published rates.

Reads the material under ../shared/data/muenster (`sms-text/`, `opendata/`, `gebietsgliederung/`,
`more/`) and writes Münster's committed data under data/muenster/ (`DATA`): areas.csv and geo/
(`hierarchy`, `boundaries`), observations/sms.csv with its revisions and checks (`sms`, which
reads the text layout through `sms_text`, knows each table from `sms_tables`, chooses a row's
columns in `sms_rows`, checks in `sms_checks` and combines the editions in `sms_editions`),
observations/opendata.csv (`opendata`) and published_rates.csv (`rates`, with the city's reported
figures read by `city_facts`), observations/ratswahl2009.csv (`ratswahl`). `helpers.sources.derive` runs
them in that order.
"""

from helpers.core import context

#: Where Münster's derived data are written when no other folder is given (each command's --out).
DATA = context.REPOSITORY / "data" / "muenster"
