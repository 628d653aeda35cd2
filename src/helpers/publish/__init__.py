"""Publishing: stitching executed chapters into report.html, the PDF, the tables, the manifest.

May import: helpers.core, helpers.indicators, helpers.disclosure, helpers.stats, helpers.figures,
helpers.sections.
"""
