"""Indicators: counts aggregated over the area hierarchy, rates, gaps between groups, trends.

Sum counts first, then divide; rates are never averaged. Values here are complete (as stored),
for analysis inside the office; what may be published is decided by helpers.disclosure.

May import: helpers.core.
"""
