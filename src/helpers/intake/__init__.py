"""What people hand in: the departments' data deliveries (templates, reading, validation, storage)
the staff's texts of a report year (drafts, release), and the check of a city's own setup files.

One module per concern:

- `templates`  – one empty Excel delivery template per data owner (`make templates`)
- `read`       – Excel and German CSV files into a table of cells with file row numbers: the entry
- `table`      – what reading yields: the cells (`Table`) or the refusal (`ReadError`)
- `read_limits` – the intake's limits enforced while a file is read (size, rows, keys, cell length)
- `file_kind`  – what a file is by its content; a file whose content and name disagree is refused
- `csv_file`   – a CSV delivery as German offices write it (separators, encodings)
- `excel_file` – an Excel delivery as its sender saw it (data sheet, hidden cells, formulas refused)
- `xlsx`       – the cells of an .xlsx sheet as stored: sparse, fast, with what Excel hides
- `cells`      – German labels, official symbols and German number formats, cell by cell
- `validation` – every problem of a delivery, collected before anything is stored: the entry
- `delivery`   – one delivery file as the checks see it: its rows and its problems, located at its cells
- `delivery_context` – what a delivery is checked against: areas and spellings, measures, the part-whole rules
- `header`     – which column plays which role; unknown, unnamed, doubled and missing columns
- `row_parsing` – one data row into an observation, or the problems of all its cells
- `area_cells` – the area of a row from Ebene, Gebiet-Nr and Gebiet, against the city's areas
- `jumps`      – large jumps against the latest earlier stored year: warnings to confirm
- `consistency` – the part-whole relations (catalogue, age intervals, areas), checked in bulk: the entry
- `relations`  – which part-whole relations hold, from the catalogue and the area hierarchy
- `age_bands`  – age groups as intervals: containment by a sweep, the chains that add up by a budgeted search
- `checked_rows` – the compared rows in integer codes, where each comes from, what every check shares
- `group_checks` – violations among groups and measures (part larger than whole, parts not adding up)
- `area_checks` – violations among areas (part larger than its area, sums of Stadtteile that do not match)
- `relation_wording` – the German words of the part-whole messages
- `storage`    – raw copies with checksums, the observations file, the logs, one commit point
- `ingest`     – the command `make ingest FILE=...` / `python -m helpers.intake.ingest`
- `problems`   – one problem (file, sheet, row, column, found, expected, fix) and the report
- `citycheck`  – `make check-city`: a city's areas, boundaries, data, catalogue and configuration, every problem located
- `chapter_checks` – the check's part on the report: chapters without a notebook, ids the catalogue lacks, names on two levels
- `citygate`   – the check before `make report`, `release` and `verify`, skipped while nothing it reads changed
- `staff_texts` – the command `texts entwurf|freigeben|liste`: a year's texts as the next year's drafts, release
- `city_data`  – the command `stadt daten <stadt> zahlen.csv`: a city's own long or wide file, through its mapping,
  into the same checks and storage as a delivery; then the catalogue entries its counts allow
- `mapping`    – the mapping file (zuordnung.yml) in the user's own words, and its draft
- `city_catalogue` – the catalogue entries the stored counts allow, added without changing the user's

What readers of the store need (the layout, the committed logs) lives in helpers.core.store.

May import: helpers.core, helpers.indicators, helpers.sources, except helpers.sources.muenster,
helpers.sources.berlin, helpers.sources.demo, helpers.sources.derive and helpers.sources.geojson (only
the shared area names, so that a delivery's names match the derived data's). Nothing but the command
line (helpers.cli) imports the intake.
"""
