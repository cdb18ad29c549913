"""The layout's rules that import-linter (``make lint``, setup.cfg) does not cover."""

import ast
import pathlib

import pytest

from tests.contracts import _imports_request

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.joinpath("shortener").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")])
# The app factory imports blueprints and extensions' setup inside itself, as Flask's tutorial does.
FACTORY = ROOT / "shortener" / "__init__.py"
OPTIONAL_MARK = "# optional"


def nested_imports(path: pathlib.Path) -> list[ast.stmt]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)]
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_imports_sit_at_the_top_of_modules(path):
    """A function-level import that only dodges a cycle hides the direction of dependencies."""
    if path == FACTORY:
        return
    lines = path.read_text().splitlines()
    hidden = [
        f"{path.name}:{node.lineno}: {lines[node.lineno - 1].strip()}"
        for node in nested_imports(path)
        if OPTIONAL_MARK not in lines[node.lineno - 1]
    ]
    assert not hidden, "import at module level, or mark an optional dependency '# optional: why'"


def test_a_nested_import_is_found(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    import json\n    return json\n")
    assert len(nested_imports(module)) == 1


@pytest.mark.parametrize("mode", ["request", "(g, request)", "Flask, request as req"])
def test_the_request_contract_sees_every_spelling(mode):
    assert _imports_request(f"from flask import {mode}")
    assert not _imports_request("from flask import current_app, requests_total")
