"""Every reason the domain gives is a literal template, so that it can be translated.

A reason built at run time (an f-string, a concatenation, a variable) would reach a Chinese
reader in English: message extraction only finds literal strings. Parameters go as keywords.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import DomainError, InvalidTransition, InvalidValue, NotFound

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
TEMPLATE_PARAMETERS = ("message", "reason")


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(REGISTRY.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _template_positions() -> dict[str, int | None]:
    """Each DomainError class of registry/: the position of its template argument, if any."""
    classes: dict[str, ast.ClassDef] = {}
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node
    parents = {
        name: [b.id for b in node.bases if isinstance(b, ast.Name)]
        for name, node in classes.items()
    }

    def in_family(name: str) -> bool:
        return name == "DomainError" or any(in_family(p) for p in parents.get(name, []))

    def position(name: str) -> int | None:
        for item in classes[name].body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                names = [a.arg for a in (*item.args.posonlyargs, *item.args.args)][1:]
                found = [i for i, arg in enumerate(names) if arg in TEMPLATE_PARAMETERS]
                return found[0] if found else None
        return position(parents[name][0]) if parents.get(name) else None

    return {name: position(name) for name in classes if in_family(name)}


def _marked_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to `translatable("...")`."""
    marked = set()
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "translatable"
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            marked.add(node.targets[0].id)
    return marked


def _is_literal(argument: ast.expr, marked: set[str]) -> bool:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return True
    return isinstance(argument, ast.Name) and argument.id in marked


def test_the_family_is_found() -> None:
    positions = _template_positions()
    assert positions["InvalidValue"] == 1
    assert positions["InvalidTransition"] == 2
    assert positions["NotFound"] == 0
    assert positions["StaleOldSize"] is None  # builds its own template from two sizes
    assert len(positions) > 20


def test_every_domain_error_is_raised_with_a_literal_template() -> None:
    positions = _template_positions()
    offending = []
    for path, tree in _trees():
        if path.name == "errors.py" and path.parent == REGISTRY:
            continue  # the kernel forwards a template it was given (`InvalidValue.at`)
        marked = _marked_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = positions.get(name) if isinstance(name, str) else None
            if position is None:
                continue
            where = f"{path.relative_to(REGISTRY.parent)}:{node.lineno}"
            if len(node.args) <= position:
                offending.append(f"{where}: {name} without a positional template")
            elif not _is_literal(node.args[position], marked):
                offending.append(f"{where}: {ast.unparse(node.args[position])[:60]}")
    assert offending == []


def test_every_problem_of_an_imported_row_is_a_literal_template() -> None:
    # The case import reports problems per row (RowError); they are read in the console too.
    offending, built = [], []
    for path, tree in _trees():
        marked = _marked_constants(tree)
        forwarding = {  # the constructors themselves pass on the template they were given
            id(call)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef) and function.name.startswith("row_error")
            for call in ast.walk(function)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in forwarding:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            where = f"{path.relative_to(REGISTRY.parent)}:{node.lineno}"
            if name == "RowError":
                built.append(where)
            if name == "row_error" and not (
                len(node.args) > 2 and _is_literal(node.args[2], marked)
            ):
                offending.append(where)
    assert offending == []
    assert built == []  # only `row_error` and `row_error_of` build a RowError themselves


@pytest.mark.parametrize(
    "source",
    [
        'raise InvalidValue("x", f"{value} is wrong")',
        'raise NotFound("case " + str(case_id))',
        "raise Conflict(reason)",
        'raise InvalidValue("x")',
    ],
)
def test_the_check_finds_a_reason_built_at_run_time(source: str) -> None:
    positions = _template_positions()
    call = ast.parse(source).body[0].exc  # type: ignore[attr-defined]
    position = positions[call.func.id]
    assert len(call.args) <= position or not _is_literal(call.args[position], set())


def test_an_error_keeps_its_template_and_says_it_in_english() -> None:
    error = InvalidValue("decided_on", "%(day)s is after %(today)s", day="2026-02-01", today="x")
    assert error.template == "%(day)s is after %(today)s"
    assert error.params == {"day": "2026-02-01", "today": "x"}
    assert error.reason == "2026-02-01 is after x"
    assert error.message == str(error) == "decided_on: 2026-02-01 is after x"
    assert error.errors == {"decided_on": ["2026-02-01 is after x"]}
    moved = error.at("cases[0].decided_on")
    assert moved.message == "cases[0].decided_on: 2026-02-01 is after x"
    assert moved.template == error.template and moved.params == error.params


def test_a_template_without_parameters_is_used_as_written() -> None:
    assert NotFound("100% certain").message == "100% certain"
    assert DomainError("no %(such)s parameter").message == "no %(such)s parameter"


def test_a_transition_frames_its_reason() -> None:
    error = InvalidTransition(
        "approve", "draft", "the defence period runs until %(day)s", day=dt.date(2026, 1, 2)
    )
    assert str(error) == (
        "cannot approve a listing in state 'draft': the defence period runs until 2026-01-02"
    )
    assert error.reason == "the defence period runs until 2026-01-02"
    assert error.frame_params == {"transition": "approve", "state": "draft"}
