"""The OpenAPI document's texts, extracted for the catalogue from where they are written.

flask-smorest takes an operation's summary and description from its view's docstring and a
tag's description from its `Blueprint(..., description=...)`; babel's python extractor sees
neither. `extract` is the babel extraction method `openapi` (babel.cfg): it yields what the
python extractor yields for a module, plus, for every view routed by a flask-smorest blueprint of
that module (a MethodView's HTTP methods or a view function), the summary and each paragraph of
the description as the document shows them, and each blueprint's tag description. The Chinese
document (`api/openapi_language.py`) translates exactly these texts.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, TypeGuard

from babel.messages.extract import extract_python
from flask_smorest import Blueprint
from flask_smorest.utils import load_info_from_docstring

SMOREST_MODULE = "flask_smorest"


def one_line(text: str) -> str:
    """A text as one line: a docstring's or a description literal's line breaks joined."""
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a description, each on one line."""
    return [one_line(block) for block in text.split("\n\n") if block.strip()]


def docstring_texts(docstring: str) -> list[str]:
    """The summary and description paragraphs flask-smorest shows for a view's docstring."""
    info = load_info_from_docstring(docstring, delimiter=Blueprint.DOCSTRING_INFO_DELIMITER)
    summary = [info["summary"]] if info.get("summary") else []
    return summary + paragraphs(info.get("description", ""))


def _blueprint_callers(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names calling flask-smorest's Blueprint here: the class itself, and modules holding it."""
    classes: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SMOREST_MODULE:
            classes.update(
                alias.asname or alias.name for alias in node.names if alias.name == "Blueprint"
            )
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname or alias.name for alias in node.names if alias.name == SMOREST_MODULE
            )
    return classes, modules


def _is_blueprint_call(node: ast.AST, classes: set[str], modules: set[str]) -> TypeGuard[ast.Call]:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in classes
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "Blueprint"
        and isinstance(func.value, ast.Name)
        and func.value.id in modules
    )


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _routed_methods(decorators: list[ast.expr], blueprints: set[str]) -> list[str] | None:
    """The `methods=` a blueprint route decorator names (empty: not said), or None: not routed."""
    for decorator in decorators:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "route"
            and isinstance(decorator.func.value, ast.Name)
            and decorator.func.value.id in blueprints
        ):
            continue
        for keyword in decorator.keywords:
            if keyword.arg == "methods" and isinstance(keyword.value, ast.List | ast.Tuple):
                named = (_string(item) for item in keyword.value.elts)
                return [method.upper() for method in named if method]
        return []
    return None


def _view_docstrings(node: ast.AST, blueprints: set[str]) -> Iterator[tuple[int, str]]:
    """(line, docstring) of each documented view the node defines on a smorest blueprint."""
    if isinstance(node, ast.ClassDef):
        methods = _routed_methods(node.decorator_list, blueprints)
        if methods is None:
            return
        for item in node.body:
            if (
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.upper() in Blueprint.HTTP_METHODS
                and (not methods or item.name.upper() in methods)
            ):
                docstring = ast.get_docstring(item, clean=False)
                if docstring:
                    yield item.body[0].lineno, docstring
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if _routed_methods(node.decorator_list, blueprints) is None:
            return
        docstring = ast.get_docstring(node, clean=False)
        if docstring:
            yield node.body[0].lineno, docstring


def openapi_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every OpenAPI text a module's source defines, in source order."""
    tree = ast.parse(source)
    classes, modules = _blueprint_callers(tree)
    if not classes and not modules:
        return []
    found: list[tuple[int, str]] = []
    blueprints: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_blueprint_call(node.value, classes, modules):
            blueprints.update(target.id for target in node.targets if isinstance(target, ast.Name))
        if _is_blueprint_call(node, classes, modules):
            for keyword in node.keywords:
                description = _string(keyword.value) if keyword.arg == "description" else None
                if description and description.strip():
                    found.append((keyword.value.lineno, one_line(description)))
    for node in ast.walk(tree):
        for line, docstring in _view_docstrings(node, blueprints):
            found.extend((line, text) for text in docstring_texts(docstring))
    return sorted(found, key=lambda pair: pair[0])


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any] | Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method: the python extractor's messages, then the OpenAPI texts."""
    content = fileobj.read()
    yield from extract_python(io.BytesIO(content), keywords, comment_tags, options)  # type: ignore[arg-type,misc]
    source = content.decode(str(options.get("encoding", "utf-8")))
    for line, text in openapi_texts(source):
        yield line, None, text, []
