"""Integration-monitoring workbench: the code behind the notebooks, in layers that import only downward.

    core         data model, areas, catalogue, observation storage, configuration, file I/O
    indicators   counts over the area hierarchy, rates, gaps, trends
    disclosure   the rule, disclosed values, the register of shown cells, the checker
    stats        correlation, segregation, Moran/LISA, social-space index
    figures      charts and maps in one style
    sections     what chapter notebooks call: indicator blocks, overview, analyses
    publish      stitched HTML, PDF, tables, manifest
    build        runner, build state, verify          intake, sources: deliveries, derived data

The contract is checked by tests/test_architecture.py; docs/architecture.md explains it.
"""
