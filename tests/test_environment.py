"""The pip lock and the conda environment pin the same packages; the lock covers pyproject."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from helpers.core import paths
from helpers.runner import envfile, lab


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


# --- which Python make picks ----------------------------------------------------------------------------

def _interpreter(version: str) -> Path | None:
    """A real interpreter of `version` on this machine (pyenv or PATH), or None."""
    import glob
    import shutil

    found = shutil.which(f"python{version}")
    candidates = [found] if found else []
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / f"{version}.*" / "bin" / "python")))
    for candidate in candidates:
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.stdout.strip() == version:
            return Path(candidate)
    return None


def _make_setup(tmp_path: Path, links: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    """`make setup` in an empty copy of the project's Makefile, with only `links` as Pythons on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, target in links.items():
        (bin_dir / name).symlink_to(target)
    shutil.copy(paths.ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "requirements.lock").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(["make", *args, "setup"], cwd=tmp_path, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_make_picks_a_supported_python_when_python3_is_too_old(tmp_path):
    old, new = _interpreter("3.10"), _interpreter("3.12")
    if old is None or new is None:
        pytest.skip("needs Python 3.10 and 3.12 on this machine")
    # python3.11 is shadowed by the old one too, so that the machine's own 3.11 in /usr/bin is not found first.
    done = _make_setup(tmp_path, {"python3": old, "python3.11": old, "python3.12": new}, "-n")
    assert done.stdout.splitlines()[0].startswith("python3.12 -c"), done.stdout


@pytest.mark.slow
def test_make_refuses_an_unsupported_python_with_a_german_message(tmp_path):
    old = _interpreter("3.10")
    if old is None:
        pytest.skip("needs Python 3.10 on this machine")
    done = _make_setup(tmp_path, {"python3.10": old}, "PYTHON=python3.10")
    assert done.returncode != 0
    assert "Fehler: Python 3.11, 3.12 oder 3.13 wird benötigt, 'python3.10' ist Python 3.10" in done.stderr
    assert not (tmp_path / ".venv").exists()


@pytest.mark.skipif(Path(sys.prefix).resolve() != (paths.ROOT / ".venv").resolve(), reason="checks the venv `make setup` made")
def test_jupyterlab_shows_the_project_kernel_and_no_news_popup():
    kernel = json.loads((Path(sys.prefix) / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert kernel["display_name"] == lab.KERNEL_SPEC["display_name"] == "Integrationsmonitoring (Python 3)"
    server = json.loads((Path(sys.prefix) / lab.SERVER_CONFIG).read_text())
    assert server["ContentsManager"]["pre_save_hook"] == lab.HOOK  # tracked notebooks are saved without outputs
    overrides = json.loads((Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
