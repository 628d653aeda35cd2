"""`python -m helpers.runner [--jahr 2013] …`: one run of the report (helpers.runner.report), as `make report`.

`integrationsmonitoring report` (helpers.cli) runs the same `main`.
"""

import sys

from helpers.runner.report import main

if __name__ == "__main__":
    sys.argv[0] = "python -m helpers.runner"  # how argparse names the program (else "__main__.py")
    raise SystemExit(main())
