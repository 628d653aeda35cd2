"""Looking does not modify (issue 26): opening, running and saving a committed notebook in JupyterLab
leaves `git status` clean, and outputs never reach a commit (helpers.runner.lab)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.core import context
from helpers.runner import inputs, lab

REPOSITORY = context.REPOSITORY
#: The committed notebooks: the chapters, the explore notebooks, every city's own chapters.
PATTERNS = ("notebooks/*/*.ipynb", "notebooks/*/explore/*.ipynb")
#: Copied into the temporary repository: the chapter of the report (14, the one JupyterLab saved with
#: 870 kB of outputs), an explore notebook and a city's chapter, each where `make lab` opens it.
SAMPLES = ("notebooks/muenster/14_zusammenhaenge.ipynb", "notebooks/muenster/explore/segregation_und_wandel.ipynb",
           "notebooks/berlin/02_zusammenhaenge.ipynb")


def committed_notebooks() -> list[Path]:
    return sorted(p for pattern in PATTERNS for p in REPOSITORY.glob(pattern))


def canonical(text: str) -> str:
    """The notebook as the git filter writes it (nbstripout: strip, then nbformat's JSON)."""
    nb = lab.strip(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    written = nbformat.writes(nb)
    return written if written.endswith("\n") else written + "\n"


def test_every_committed_notebook_names_the_project_kernel():
    notebooks = committed_notebooks()
    assert len(notebooks) >= 20
    for path in notebooks:
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert metadata["kernelspec"] == lab.KERNEL_SPEC, path
        assert metadata["language_info"] == {"name": "python"}, path
    # The same on 3.11, 3.12 and 3.13: no Python minor version in the name JupyterLab writes.
    assert not re.search(r"\d\.\d", lab.KERNEL_SPEC["display_name"])


def test_committed_notebooks_are_what_the_filter_commits():
    for path in committed_notebooks():
        text = path.read_text(encoding="utf-8")
        assert text == canonical(text), f"{path}: run it through the filter (nbstripout) before committing"
        code = [c for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), path


def test_the_filter_command_and_the_save_hook_strip_alike(tmp_path):
    """git runs the filter's command (nbstripout) through the shell; JupyterLab's hook calls lab.strip."""
    text = _with_session(REPOSITORY / SAMPLES[0], _kernelspec(_environment(tmp_path)))
    command = lab.filter_command(tmp_path, Path(sys.executable))
    done = subprocess.run(command, shell=True, input=text.encode("utf-8"), capture_output=True, check=True)
    assert done.stdout.decode("utf-8") == canonical(text) == (REPOSITORY / SAMPLES[0]).read_text(encoding="utf-8")


def test_filter_names_the_checkouts_own_environment_relative_to_the_work_tree():
    top = Path("/srv/monitoring")
    assert lab.filter_command(top, top / ".venv" / "bin" / "python").startswith(".venv/bin/python -m nbstripout --keep-id ")
    assert lab.filter_command(top, Path("/opt/conda envs/im/bin/python")).startswith(
        "'/opt/conda envs/im/bin/python' -m nbstripout ")


def test_the_filter_is_installed_only_at_the_top_of_a_git_work_tree(tmp_path, monkeypatch):
    _isolated_git(tmp_path, monkeypatch)
    assert not lab.install_git_filter(tmp_path / "archive", Path(sys.executable))  # a downloaded archive
    repo = _repository(tmp_path)
    assert not lab.install_git_filter(repo / "notebooks", Path(sys.executable))
    assert lab.install_git_filter(repo, Path(sys.executable)) and lab.install_git_filter(repo, Path(sys.executable))
    assert _git(repo, "config", "--get", "filter.nbstripout.clean") == lab.filter_command(repo, Path(sys.executable))
    assert _git(repo, "config", "--get", "filter.nbstripout.required") == "true"


@pytest.mark.slow
def test_saving_in_jupyterlab_leaves_the_tree_clean(tmp_path, monkeypatch):
    """A researcher opens, runs and saves: JupyterLab's contents manager, configured as the set-up
    configures the environment, writes the session's outputs and metadata; the tree stays clean."""
    _isolated_git(tmp_path, monkeypatch)
    repo = _repository(tmp_path)
    prefix = _environment(tmp_path)
    assert lab.install_git_filter(repo, Path(sys.executable))
    app = _server(prefix, tmp_path, monkeypatch)
    assert app.contents_manager_class(config=app.config).pre_save_hook is lab.strip_before_save  # the server's own class
    spec = _kernelspec(prefix)
    assert spec == lab.KERNEL_SPEC  # what JupyterLab writes is what the notebooks carry
    for sample in SAMPLES:
        notebook = repo / sample
        committed = notebook.read_bytes()
        _save(app, notebook, _with_session(notebook, spec))
        assert notebook.read_bytes() == committed, sample
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    # A notebook git does not track (a researcher's own) keeps its outputs.
    own = repo / "notebooks" / "eigene_auswertung.ipynb"
    shutil.copy(repo / SAMPLES[0], own)
    _save(app, own, _with_session(own, spec))
    assert _outputs(own) > 0
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == "?? notebooks/eigene_auswertung.ipynb"


@pytest.mark.slow
def test_outputs_saved_by_another_program_never_reach_a_commit(tmp_path, monkeypatch):
    """Without the save hook (another editor, a JupyterLab outside the environment) the file keeps its
    outputs; the filter keeps them out of the commit, and the build sees the same notebook."""
    _isolated_git(tmp_path, monkeypatch)
    repo = _repository(tmp_path)
    prefix = _environment(tmp_path)
    assert lab.install_git_filter(repo, Path(sys.executable))
    from jupyter_server.services.contents.filemanager import FileContentsManager

    notebook = repo / SAMPLES[0]
    committed = notebook.read_bytes()
    key = inputs.notebook_source(notebook)
    manager = FileContentsManager(root_dir=str(notebook.parent))  # no hook
    manager.save({"type": "notebook", "format": "json", "content": json.loads(_with_session(notebook, _kernelspec(prefix)))},
                 notebook.name)
    assert _outputs(notebook) > 0 and notebook.stat().st_size > 10 * len(committed)
    assert inputs.notebook_source(notebook) == key  # no rebuild: the build's checksum ignores outputs
    assert subprocess.run(["git", "diff", "--quiet"], cwd=repo).returncode == 0
    _git(repo, "add", "--all")
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    staged = subprocess.run(["git", "show", f":{SAMPLES[0]}"], cwd=repo, capture_output=True, check=True).stdout
    assert staged == committed


# --- helpers -------------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def _isolated_git(tmp_path: Path, monkeypatch) -> None:
    """git without the machine's global and system settings (the hook and the filter call git too)."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.org")


def _repository(tmp_path: Path) -> Path:
    """A git repository with the project's .gitattributes, .gitignore and the sample notebooks, committed."""
    repo = tmp_path / "repo"
    for relative in (".gitattributes", ".gitignore", *SAMPLES):
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPOSITORY / relative, repo / relative)
    _git(repo, "init", "--quiet")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "committed notebooks")
    return repo


def _environment(tmp_path: Path) -> Path:
    """What the set-up installs into an environment: the kernel and JupyterLab's server settings."""
    prefix = tmp_path / "env"
    lab.install_kernel(prefix)
    lab.install_server_config(prefix)
    return prefix


def _kernelspec(prefix: Path) -> dict:
    """The kernelspec JupyterLab writes into a notebook it runs: name, display name, language of the kernel."""
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager(kernel_dirs=[str(prefix / "share" / "jupyter" / "kernels")], ensure_native_kernel=False)
    spec = manager.get_kernel_spec(lab.KERNEL_NAME)
    return {"display_name": spec.display_name, "language": spec.language, "name": lab.KERNEL_NAME}


def _server(prefix: Path, tmp_path: Path, monkeypatch):
    """JupyterLab's server application with the settings found in the environment at `prefix`."""
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(prefix / "etc" / "jupyter"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    from jupyter_server.serverapp import ServerApp

    app = ServerApp()
    app.load_config_file()
    return app


def _with_session(notebook: Path, kernelspec: dict) -> str:
    """The notebook as JupyterLab holds it after "Run All": outputs and counts in every code cell, the
    kernel's kernelspec and language_info (ipykernel's kernel_info reply), an output collapsed."""
    from ipykernel.ipkernel import IPythonKernel

    nb = nbformat.reads(notebook.read_text(encoding="utf-8"), as_version=4)
    nb.metadata["kernelspec"] = kernelspec
    nb.metadata["language_info"] = dict(IPythonKernel.language_info)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for count, cell in enumerate(code, start=1):
        cell.execution_count = count
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="Berichtsjahr 2019\n"),
            nbformat.v4.new_output("display_data", data={"text/markdown": "**r = 0,38**", "image/png": "iVBORw0KGgo=" * 4000}),
            nbformat.v4.new_output("execute_result", data={"text/plain": "<Abschnitt>"}, execution_count=count),
        ]
    code[-1].metadata.update({"collapsed": True, "jupyter": {"outputs_hidden": True}, "scrolled": True})
    return nbformat.writes(nb)


def _save(app, notebook: Path, content: str) -> None:
    """Save as JupyterLab does: a PUT of the notebook model to the contents manager of the folder `make lab` opens."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    root = notebook.parent.parent if notebook.parent.name == "explore" else notebook.parent
    manager = FileContentsManager(config=app.config, root_dir=str(root))
    manager.save({"type": "notebook", "format": "json", "content": json.loads(content)},
                 notebook.relative_to(root).as_posix())


def _outputs(notebook: Path) -> int:
    return sum(len(c.get("outputs", [])) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"])
