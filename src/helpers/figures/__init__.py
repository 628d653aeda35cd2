"""Figures and maps in the report's one style: source line, demo-data mark, offline rendering.

May import: helpers.core, helpers.indicators, helpers.disclosure, helpers.stats.
"""
