"""The build: the runner (plan, execute, release), build state and checksums, `make verify`.

May import: every layer below (core to publish). Nothing imports the build.
"""
