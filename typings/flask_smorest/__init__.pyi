"""Types for the part of flask-smorest the registry uses (the library ships none).

Its decorators return the function they decorate, so views keep their own signatures
under mypy's strict mode instead of becoming untyped.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from apispec import APISpec
from flask import Blueprint as FlaskBlueprint
from flask import Flask
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

_View = TypeVar("_View")
_SchemaArgument = type[Schema] | Schema

class Blueprint(FlaskBlueprint):
    HTTP_METHODS: ClassVar[list[str]]
    ARGUMENTS_PARSER: ClassVar[FlaskParser]
    DOCSTRING_INFO_DELIMITER: ClassVar[str | None]
    description: str
    def __init__(
        self, name: str, import_name: str, *, description: str = "", **options: Any
    ) -> None: ...
    def route(
        self,
        rule: str,
        *,
        parameters: Sequence[Any] | None = None,
        tags: Sequence[str] | None = None,
        **options: Any,
    ) -> Callable[[_View], _View]: ...
    def arguments(
        self,
        schema: _SchemaArgument,
        *,
        location: str = "json",
        content_type: str | None = None,
        required: bool = True,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Callable[[_View], _View]: ...
    def response(
        self,
        status_code: int | str,
        schema: _SchemaArgument | str | Mapping[str, Any] | None = None,
        *,
        content_type: str | None = None,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> Callable[[_View], _View]: ...
    def alt_response(
        self,
        status_code: int | str,
        response: str | Mapping[str, Any] | None = None,
        *,
        schema: _SchemaArgument | str | Mapping[str, Any] | None = None,
        content_type: str | None = None,
        description: str | None = None,
        example: Any = None,
        examples: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        success: bool = False,
    ) -> Callable[[_View], _View]: ...
    @staticmethod
    def doc(**documentation: Any) -> Callable[[_View], _View]: ...

class Api:
    ERROR_SCHEMA: ClassVar[type[Schema]]
    spec: APISpec
    def __init__(
        self,
        app: Flask | None = None,
        *,
        spec_kwargs: Mapping[str, Any] | None = None,
        config_prefix: str = "",
    ) -> None: ...
    def init_app(self, app: Flask, *, spec_kwargs: Mapping[str, Any] | None = None) -> None: ...
    def register_blueprint(
        self, blp: Blueprint, *, parameters: Sequence[Any] | None = None, **options: Any
    ) -> None: ...
    def handle_http_exception(self, error: HTTPException) -> Any: ...
