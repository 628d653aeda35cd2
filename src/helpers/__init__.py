"""Integration-monitoring workbench: data access, indicators, maps, figures, report."""
