"""The shape of the code: data flows one way through the stages, contracts are defined once, no import loops.

Read from the source tree (no import is executed): every Python module of the product packages is parsed and its
imports are checked against the flow warehouse -> dbt_project -> training -> api -> dashboard / monitoring -> watch,
with common/ (settings and contracts) below every stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# the flow: a stage imports common/ or a stage of a lower rank, never a higher one
RANK = {"common": 0, "warehouse": 1, "dbt_project": 2, "training": 3, "api": 4, "monitoring": 5, "dashboard": 5,
        "watch": 6}
PRODUCT = tuple(RANK)
OUTSIDE = ("bench", "tools", "scripts", "tests")  # measure, develop, deploy, test: never imported by the product
PROJECT = PRODUCT + OUTSIDE


def modules(packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `packages`."""
    out = {}
    for package in packages:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if "node_modules" in path.parts or "target" in path.parts:
                continue
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt) if hasattr(n, "lineno")}
    return lines


def imports(path: Path, module: str) -> list[tuple[int, str, bool]]:
    """(line, imported module, inside a function) for every runtime import of a file (TYPE_CHECKING ones left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    inner = {n.lineno for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
             for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    found = []
    for node in ast.walk(tree):
        if node.lineno in typing_only if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, node.lineno in inner) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            found.append((node.lineno, base, node.lineno in inner))
            found += [(node.lineno, f"{base}.{alias.name}", node.lineno in inner) for alias in node.names]
    return found


PRODUCT_MODULES = modules(PRODUCT)
ALL_MODULES = modules(PROJECT)


def test_the_tree_is_found() -> None:
    assert {"api.main", "training.train", "common.contracts.feature_versions", "watch.run",
            "monitoring.assess"} <= set(PRODUCT_MODULES)


@pytest.mark.parametrize("module", sorted(PRODUCT_MODULES))
def test_stages_import_only_common_and_earlier_stages(module: str) -> None:
    stage = module.split(".")[0]
    wrong = []
    for line, name, _ in imports(PRODUCT_MODULES[module], module):
        top = name.split(".")[0]
        if top not in PROJECT or top == stage:
            continue
        if top in OUTSIDE:
            wrong.append(f"line {line}: {name} (a product package never imports {top}/)")
        elif stage == "dashboard":
            wrong.append(f"line {line}: {name} (the dashboard is deployed alone: it talks to the API over HTTP)")
        elif RANK[top] >= RANK[stage]:
            wrong.append(f"line {line}: {name} ({top} comes after {stage} in the flow)")
    assert not wrong, f"{module} imports against the flow: " + "; ".join(wrong)


def test_no_import_loop_between_modules() -> None:
    graph = {m: {name for _, name, _ in imports(p, m) if name in ALL_MODULES and name != m}
             for m, p in ALL_MODULES.items()}
    loops, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                loops.append(" -> ".join(stack[stack.index(nxt):] + [node, nxt]) if nxt in stack else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    # a package importing its own submodules (`warehouse.load` -> `warehouse.load.loader`) is not a loop
    loops = [loop for loop in loops if not all(part.startswith(loop.split(" -> ")[0]) for part in loop.split(" -> "))]
    assert not loops, "import loops: " + "; ".join(loops)


def test_imports_inside_functions_say_why() -> None:
    """An import inside a function needs a comment (on its line or the line above): heavy optional dependency,
    start-up time, ... Everything else is imported at the top of the module."""
    silent = []
    for module, path in ALL_MODULES.items():
        if module.startswith("tests"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, _, inner in imports(path, module):
            if not inner:
                continue
            k = line - 1  # the import block this import belongs to, and the line above it
            while k > 0 and (lines[k - 1].strip().startswith(("import ", "from ")) or not lines[k - 1].strip()):
                k -= 1
            block = lines[max(k - 1, 0):line]
            if not any("#" in text for text in block):
                silent.append(f"{path.relative_to(REPO_ROOT)}:{line}")
    assert not sorted(set(silent)), "imports inside functions without a reason: " + ", ".join(sorted(set(silent)))


def _definitions(kind: type, name: str) -> list[str]:
    found = []
    for module, path in PRODUCT_MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [module for node in ast.walk(tree) if isinstance(node, kind) and node.name == name]
    return found


@pytest.mark.parametrize(("kind", "name", "home"), [
    (ast.ClassDef, "FeatureVersion", "common.contracts.feature_versions"),
    (ast.FunctionDef, "resolve", "common.contracts.feature_versions"),
    (ast.FunctionDef, "is_published", "common.contracts.feature_versions"),
    (ast.FunctionDef, "tracking_uri", "common.contracts.registry"),
    (ast.FunctionDef, "load_spec", "common.contracts.columns"),
    (ast.FunctionDef, "selection", "common.contracts.serving"),
    (ast.FunctionDef, "plan", "common.contracts.serving"),
    (ast.FunctionDef, "mart_node", "common.contracts.serving"),
])
def test_each_contract_is_defined_once(kind: type, name: str, home: str) -> None:
    assert _definitions(kind, name) == [home]


@pytest.mark.parametrize(("literal", "home"), [
    ("prediction_events", "common.contracts.events"),
    ("credit-scoring", "common.contracts.registry"),
    ("marts.feature_versions", "common.contracts.feature_versions"),
])
def test_contract_names_are_written_once(literal: str, home: str) -> None:
    """Table, model and alias names appear as string literals in their contract only (docstrings aside)."""
    found = []
    for module, path in PRODUCT_MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == literal and id(node) not in docstrings:
                found.append(f"{module}:{node.lineno}")
    assert {f.split(":")[0] for f in found} == {home}, found
