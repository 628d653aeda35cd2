"""The architecture as a contract: layers import only downward, no cycles, ruff clean.

The contracts live in pyproject.toml ([tool.importlinter]); docs/architecture.md explains them.
Each check is also shown to fail on a planted violation, so a green run means something.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

import helpers

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
BIN = Path(sys.executable).parent
LAYERS = ["core", "indicators", "disclosure", "stats", "figures", "sections", "publish", "runner", "intake", "sources"]


def _lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(src), "PATH": str(BIN), "HOME": str(src)}
    return subprocess.run([str(BIN / "lint-imports"), "--config", str(config), "--no-cache"], cwd=src, env=env,
                          capture_output=True, text=True)


def test_layers_import_only_downward():
    result = _lint_imports(SRC, ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(SRC / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "helpers" / "indicators" / "compute.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom helpers.publish import tables  # noqa\n",
                      encoding="utf-8")
    result = _lint_imports(copy, ROOT / "pyproject.toml")
    assert result.returncode == 1
    assert "helpers.indicators.compute -> helpers.publish.tables" in result.stdout


def _cycles(package: str) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), i.e. import cycles."""
    graph = grimp.build_graph(package)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles("helpers") == []


def test_a_planted_cycle_is_found(tmp_path, monkeypatch):
    pkg = tmp_path / "cyclic"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles("cyclic") == [["cyclic.a", "cyclic.b"]]


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_it_is_and_may_import(layer):
    doc = (Path(helpers.__file__).parent / layer / "__init__.py").read_text(encoding="utf-8")
    assert doc.startswith('"""') and "May import:" in doc


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _chain(contracts: list[dict]) -> list[str]:
    """The report chain's packages, lowest first, from the layers contract."""
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return list(reversed(layers))


def _contract_allows(package: str, contracts: list[dict]) -> tuple[set[str], set[str]]:
    """What the contracts let `package` import: the top-level packages of helpers (and helpers.cli), and the
    modules of those packages that a forbidden contract excepts. A chain layer starts from what lies below
    it; every forbidden contract naming the package as a source then removes its forbidden modules."""
    chain = _chain(contracts)
    allowed = {f"helpers.{layer}" for layer in LAYERS} | {"helpers.cli"}
    allowed -= set(chain[chain.index(package):]) if package in chain else {package}
    excepted: set[str] = set()
    for contract in contracts:
        if contract["type"] == "forbidden" and package in contract["source_modules"]:
            for forbidden in contract["forbidden_modules"]:
                if forbidden.count(".") > 1:  # a module of a package the layer may otherwise import
                    excepted.add(forbidden)
                else:
                    allowed.discard(forbidden)
    return allowed, excepted


def _may_import(doc: str, chain: list[str]) -> tuple[set[str], set[str]]:
    """The packages a layer's docstring says it may import and the modules it excepts, from its first
    sentence after "May import:". "(core to publish)" names a stretch of the chain."""
    text = " ".join(doc.split("May import:", 1)[1].split())
    sentence = re.split(r"(?<=[.)])\s+(?=[A-Z])", text, maxsplit=1)[0]
    stretch = re.search(r"\((\w+) to (\w+)\)", sentence)
    named = []
    if stretch:
        low, high = chain.index(f"helpers.{stretch[1]}"), chain.index(f"helpers.{stretch[2]}")
        named = chain[low:high + 1]
    while re.search(r"\([^()]*\)", sentence):
        sentence = re.sub(r"\([^()]*\)", "", sentence)
    allowed_text, _, except_text = sentence.partition(" except ")
    allowed = set(named) | set(re.findall(r"helpers\.\w+", allowed_text.replace(".,", ",").rstrip(".")))
    excepted = set(re.findall(r"helpers\.\w+\.\w+", except_text))
    return allowed, excepted


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layers_may_import_line_is_the_contract(layer):
    """The docstring a newcomer reads says exactly what lint-imports enforces, no more and no less."""
    doc = (Path(helpers.__file__).parent / layer / "__init__.py").read_text(encoding="utf-8")
    contracts = _contracts()
    assert _may_import(doc, _chain(contracts)) == _contract_allows(f"helpers.{layer}", contracts)


def test_a_may_import_line_that_misses_a_package_disagrees():
    contracts = _contracts()
    chain = _chain(contracts)
    stale = '"""Intake.\n\nMay import: helpers.core, helpers.indicators. Nothing but the build imports the intake.\n"""'
    assert _may_import(stale, chain) != _contract_allows("helpers.intake", contracts)
    assert _may_import(stale, chain) == ({"helpers.core", "helpers.indicators"}, set())
    stats = "May import: helpers.core, except helpers.core.observations and helpers.core.areas (the model)."
    assert _may_import(stats, chain) == ({"helpers.core"}, {"helpers.core.observations", "helpers.core.areas"})
    assert _may_import("May import: every layer below (core to indicators).", chain) == (
        {"helpers.core", "helpers.indicators"}, set())


def _architecture_table(text: str) -> dict[str, set[str]]:
    """docs/architecture.md's layer table: each row's layer and the modules it names outside parentheses (a
    subpackage's module as `family.module`)."""
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    table = {}
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        layer_cell, _, modules_cell = [cell.strip() for cell in row.strip().strip("|").split("|")]
        while re.search(r"\([^()]*\)", modules_cell):
            modules_cell = re.sub(r"\([^()]*\)", "", modules_cell)
        table[re.match(r"`(\w+)`", layer_cell)[1]] = set(re.findall(r"`([\w.]+)`", modules_cell))
    return table


def _modules_in_tree() -> dict[str, set[str]]:
    """Each layer package's modules (dotted below the package), read from the files; "cli": the top's modules."""
    top = Path(helpers.__file__).parent
    tree = {"cli": {p.stem for p in top.glob("*.py") if p.name != "__init__.py"}}
    for layer in LAYERS:
        tree[layer] = {".".join(p.relative_to(top / layer).with_suffix("").parts)
                       for p in (top / layer).rglob("*.py") if p.name != "__init__.py"}
    return tree


def test_the_architecture_table_names_every_module_in_its_layers_row():
    table = _architecture_table((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    tree = _modules_in_tree()
    assert set(table) == set(tree)
    missing = {layer: sorted(tree[layer] - table[layer]) for layer in tree if tree[layer] - table[layer]}
    gone = {layer: sorted(table[layer] - tree[layer]) for layer in tree if table[layer] - tree[layer]}
    assert missing == {}, "modules the table of docs/architecture.md does not name"
    assert gone == {}, "modules the table names that are not in src/helpers"


def test_the_table_check_finds_an_omitted_module():
    text = ("\n## Layers\n\n| layer | what | modules |\n|---|---|---|\n"
            "| `intake` (beside) | deliveries | `read`, `cells` (`make ingest`: labels), `xlsx.sheets` |\n\n## Next\n")
    assert _architecture_table(text) == {"intake": {"read", "cells", "xlsx.sheets"}}
    assert _modules_in_tree()["intake"] - _architecture_table(text)["intake"] >= {"xlsx", "consistency"}


def test_the_tree_holds_only_layer_packages():
    """No module beside the layers but the command line (cli.py, run as `python -m helpers`): a newcomer
    tells from the tree where a change belongs."""
    top = Path(helpers.__file__).parent
    modules = sorted(p.name for p in top.glob("*.py") if p.name != "__init__.py")
    packages = sorted(p.name for p in top.iterdir() if (p / "__init__.py").is_file())
    assert modules == ["__main__.py", "cli.py"]
    assert packages == sorted(LAYERS)


def test_ruff_is_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "src", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_a_planted_problem(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"),
                             str(bad)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "F401" in result.stdout


#: Modules that exist only on POSIX systems; importing one must fall back (except ImportError) for Windows.
POSIX_ONLY_MODULES = {"fcntl", "pwd", "grp", "termios", "resource", "posix", "tty", "pty"}
#: os functions that are missing on Windows or do something else there (os.kill ends the process).
POSIX_ONLY_CALLS = {"kill", "fork", "getuid", "geteuid", "getpgid", "setsid", "killpg", "mkfifo", "getloadavg"}


def _posix_only_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """POSIX-only imports outside a `try … except ImportError` and direct POSIX-only os calls."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found = []
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n.split(".")[0] in POSIX_ONLY_MODULES for n in names) and id(node) not in guarded:
            found.append((node.lineno, f"import {names[0]}"))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in POSIX_ONLY_CALLS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
            found.append((node.lineno, f"os.{node.func.attr}()"))
        if isinstance(node, ast.keyword) and node.arg == "shell" and getattr(node.value, "value", False) is True:
            found.append((node.lineno, "shell=True"))
    return found


def test_nothing_needs_a_posix_system_without_a_fallback():
    """City staff work on Windows (conda): no POSIX-only module or call without a fallback."""
    found = [f"{path.relative_to(SRC)}:{line}: {what}" for path in sorted(SRC.rglob("*.py"))
             for line, what in _posix_only_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []


def test_the_posix_check_finds_planted_uses():
    planted = ast.parse("import fcntl\nimport os\nos.kill(1, 0)\nsubprocess.run('ls', shell=True)\n"
                        "try:\n    import pwd\nexcept ImportError:\n    pwd = None\n")
    assert _posix_only_uses(planted) == [(1, "import fcntl"), (3, "os.kill()"), (4, "shell=True")]


def _ignored_by(exclude_file: Path, files: list[str]) -> list[str]:
    """The files among `files` that git would ignore with `exclude_file` as the repository's ignore rules."""
    result = subprocess.run(["git", "-c", f"core.excludesFile={exclude_file}", "check-ignore", "--no-index", "--stdin"],
                            cwd=ROOT, input="\n".join(files), capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr  # 1: nothing ignored
    return result.stdout.split()


def test_a_fork_with_the_standard_python_gitignore_keeps_every_file():
    """A city that forks the project and adds GitHub's Python .gitignore (which ignores build/, lib/, parts/,
    *.log, .env … at any depth) must not silently lose a source file: the runner package was once called
    `build` and would have vanished from such a fork's commits."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    tracked = [name for name in tracked if name and not name.startswith("tests/gitignore/")]
    assert len(tracked) > 100
    assert _ignored_by(ROOT / "tests" / "gitignore" / "Python.gitignore", tracked) == []


def test_the_gitignore_check_finds_a_file_the_template_would_drop(tmp_path):
    ignored = _ignored_by(ROOT / "tests" / "gitignore" / "Python.gitignore",
                          ["src/helpers/build/runner.py", "data/logs/ingest.log", "src/helpers/core/paths.py"])
    assert ignored == ["src/helpers/build/runner.py", "data/logs/ingest.log"]
