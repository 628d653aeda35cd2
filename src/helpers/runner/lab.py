"""The project's JupyterLab: one kernel, its settings, and committed notebooks that stay as committed.

Looking does not modify (issue 26): opening and running a chapter or an explore notebook in
JupyterLab leaves `git status` clean, because the manifest records whether the tree differed from its
commit. `integrationsmonitoring setup-jupyter` (run by every make target's set-up) installs three
things that keep it so:

- One kernel. Every committed notebook names the kernel installed here (KERNEL_SPEC), and its display
  name does not depend on the Python version (the project runs on 3.11-3.13), so JupyterLab finds
  nothing to rewrite in the notebook's kernelspec.
- Saving without outputs. JupyterLab's contents manager calls `strip_before_save` before it writes a
  notebook: one that git tracks is saved as the git filter would commit it (no outputs, no execution
  counts, none of the metadata a kernel session or the view adds: STRIPPED_KEYS), i.e. byte for byte
  the committed file. Notebooks git does not track (a researcher's own) keep their outputs.
- A git filter (nbstripout, the Jupyter community's habit; `.gitattributes`): whatever else writes a
  notebook (another editor, a JupyterLab outside this environment), its outputs do not reach a commit.
  The filter alone would leave such a file listed as modified (git compares file sizes before it
  runs a filter), which is why the save itself strips.

The build does not mind a notebook saved with outputs either: papermill clears outputs and counts
before a chapter runs, and the build's checksums see cell types, sources and tags only
(helpers.runner.inputs).
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from helpers.core.fileio import write_text_atomic

#: The kernel the runner asks papermill for, and the kernelspec every committed notebook carries
#: (as JupyterLab writes it: name, display name and language of the kernel it runs).
KERNEL_NAME = "python3"
KERNEL_SPEC = {"display_name": "Integrationsmonitoring (Python 3)", "language": "python", "name": KERNEL_NAME}

#: What nbstripout strips by default (besides outputs and execution counts), named again so that the
#: save hook strips exactly what the git filter strips.
NBSTRIPOUT_DEFAULT_KEYS = (
    "metadata.signature", "metadata.widgets", "cell.metadata.collapsed", "cell.metadata.ExecuteTime",
    "cell.metadata.execution", "cell.metadata.heading_collapsed", "cell.metadata.hidden", "cell.metadata.scrolled",
)
#: What a kernel session and JupyterLab's view add besides: the kernel's language_info beyond its name
#: (ipykernel's kernel_info reply: Python version, mimetype, lexers; committed: {"name": "python"}),
#: collapsed inputs and outputs (cell.metadata.jupyter) and a trust flag.
SESSION_KEYS = tuple(f"metadata.language_info.{key}" for key in (
    "codemirror_mode", "file_extension", "mimetype", "nbconvert_exporter", "pygments_lexer", "version",
)) + ("cell.metadata.jupyter", "cell.metadata.trusted")
STRIPPED_KEYS = NBSTRIPOUT_DEFAULT_KEYS + SESSION_KEYS

#: The git filter's name (nbstripout's own, so `nbstripout --status` recognises it) and its options:
#: the project's cell ids are kept, line ends are LF on every system.
FILTER = "nbstripout"
FILTER_OPTIONS = ("--keep-id", "--unix-newlines", "--extra-keys", " ".join(STRIPPED_KEYS))

#: JupyterLab's server settings in the environment: the save hook (set for every contents manager).
SERVER_CONFIG = Path("etc") / "jupyter" / "jupyter_server_config.json"
HOOK = "helpers.runner.lab.strip_before_save"


def strip(nb):
    """A notebook (nbformat's NotebookNode) as the git filter commits it, changed in place and returned."""
    from nbstripout import strip_output

    return strip_output(nb, keep_output=None, keep_count=False, keep_id=True, extra_keys=list(STRIPPED_KEYS))


def tracked(path: Path) -> bool:
    """Whether git tracks the file (False outside a git work tree or without git)."""
    path = Path(path)
    try:
        done = subprocess.run(["git", "ls-files", "--error-unmatch", "--", path.name], cwd=path.parent,
                              capture_output=True)
    except OSError:
        return False
    return done.returncode == 0


def strip_before_save(model: dict, path: str, contents_manager, **kwargs) -> None:
    """JupyterLab's pre-save hook (ContentsManager.pre_save_hook): a notebook git tracks is saved as
    committed, without what a session added. The browser keeps showing the outputs."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    if not tracked(Path(contents_manager.root_dir) / path):
        return
    import nbformat

    model["content"] = strip(nbformat.from_dict(model["content"]))


def install_kernel(prefix: Path) -> str:
    """The project's kernel in the environment at `prefix`; its display name."""
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=KERNEL_SPEC["display_name"], prefix=str(prefix))
    return KERNEL_SPEC["display_name"]


def install_lab_settings(prefix: Path, overrides: Path) -> None:
    """JupyterLab's settings overrides (no news pop-up, no update check: offline) in the environment."""
    target = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    write_text_atomic(target, Path(overrides).read_text(encoding="utf-8"))


def install_server_config(prefix: Path) -> Path:
    """The save hook in the environment's server settings (other settings there are kept)."""
    target = Path(prefix) / SERVER_CONFIG
    config = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    config.setdefault("ContentsManager", {})["pre_save_hook"] = HOOK
    write_text_atomic(target, json.dumps(config, indent=2) + "\n")
    return target


def _git(folder: Path, *args: str) -> str | None:
    """git's output in `folder`, None if git is missing or fails."""
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def filter_command(top: Path, python: Path) -> str:
    """The clean filter's command. An interpreter inside the work tree (the checkout's .venv) is named
    relative to it: git runs filters from the top of the work tree, so every worktree of a repository
    (they share one config) uses its own environment, and a moved clone keeps working."""
    python = Path(python).absolute()
    try:
        name = python.relative_to(Path(top)).as_posix()
    except ValueError:
        name = python.as_posix()
    return " ".join([shlex.quote(name), "-m", "nbstripout", *map(shlex.quote, FILTER_OPTIONS)])


def install_git_filter(repository: Path, python: Path) -> bool:
    """The git filter in the repository's config (`.gitattributes` names it for *.ipynb); False when
    `repository` is not the top of a git work tree (a downloaded archive) or git is missing.

    In a linked worktree the config is the repository's, shared by all its worktrees (or the
    worktree's own with extensions.worktreeConfig); the relative command serves each of them."""
    repository = Path(repository)
    top = _git(repository, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != repository.resolve():
        return False
    scope = "--worktree" if _git(repository, "config", "--bool", "extensions.worktreeConfig") == "true" else "--local"
    wanted = {f"filter.{FILTER}.clean": filter_command(Path(top), python), f"filter.{FILTER}.smudge": "cat",
              f"filter.{FILTER}.required": "true"}
    for key, value in wanted.items():
        if _git(repository, "config", scope, "--get", key) != value:
            subprocess.run(["git", "config", scope, key, value], cwd=repository, check=True, capture_output=True)
    return True
