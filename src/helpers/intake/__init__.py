"""What people hand in: the departments' data deliveries (templates, reading, validation, storage)
the staff's texts of a report year (drafts, release), and the check of a city's own setup files.

One module per concern:

- `templates`  – one empty Excel delivery template per data owner (`make templates`)
- `read`       – Excel and German CSV files into a table of cells with file row numbers
- `xlsx`       – the cells of an .xlsx sheet as stored, streamed, with what Excel hides
- `cells`      – German labels, official symbols and German number formats, cell by cell
- `validation` – every problem of a delivery, collected before anything is stored
- `consistency` – the part-whole relations (catalogue, age intervals, areas), checked in bulk
- `storage`    – raw copies with checksums, the observations file, the logs, one commit point
- `ingest`     – the command `make ingest FILE=...` / `python -m helpers.intake.ingest`
- `problems`   – one problem (file, sheet, row, column, found, expected, fix) and the report
- `citycheck`  – `make check-city`: a city's areas, boundaries, data, catalogue and configuration, every problem located
- `staff_texts` – the command `texts entwurf|freigeben|liste`: a year's texts as the next year's drafts, release

What readers of the store need (the layout, the committed logs) lives in helpers.core.store.

May import: helpers.core, helpers.indicators, helpers.sources, except helpers.sources.muenster,
helpers.sources.berlin, helpers.sources.demo, helpers.sources.derive and helpers.sources.geojson (only
the shared area names, so that a delivery's names match the derived data's). Nothing but the command
line (helpers.cli) imports the intake.
"""
