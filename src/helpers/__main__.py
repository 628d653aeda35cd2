"""`python -m helpers <befehl>`: the same program as the `integrationsmonitoring` command (helpers.cli)."""

from helpers.cli import main

raise SystemExit(main())
