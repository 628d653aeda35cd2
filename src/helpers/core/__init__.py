"""Core: the data model, areas, catalogue, observation storage, configuration and file I/O.

Everything else stands on this layer. It knows how counts are stored and what they mean,
not how they become indicators or reports.

May import: nothing else of helpers (only the standard library and third-party packages).
"""
