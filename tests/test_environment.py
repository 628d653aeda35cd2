"""The pip lock and the conda environment pin the same packages; the lock covers pyproject."""

from __future__ import annotations

import re
import tomllib

from helpers.build import envfile
from helpers.core import paths


def test_environment_yml_matches_lock():
    lock = envfile.lock_pins((paths.ROOT / "requirements.lock").read_text())
    yml = envfile.yml_pins((paths.ROOT / "environment.yml").read_text())
    assert len(lock) > 50
    assert yml == lock, "environment.yml is stale: run `make lock`"


def test_lock_pins_every_direct_dependency():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    lock = envfile.lock_pins((paths.ROOT / "requirements.lock").read_text())
    names = {envfile.normalise(re.split(r"[<>=!~\[ ]", d, maxsplit=1)[0]) for d in wanted}
    assert names - set(lock) == set()


def test_lock_pin_parser_ignores_hashes_and_comments():
    text = "pandas==3.1.1 \\\n    --hash=sha256:abc\n    # via x\nPyYAML==6.0.3 ; python_version >= '3'\n"
    assert envfile.lock_pins(text) == {"pandas": "3.1.1", "pyyaml": "6.0.3"}
