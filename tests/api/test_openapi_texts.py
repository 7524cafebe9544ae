"""The babel extraction method for the OpenAPI texts written in docstrings and blueprints."""

from __future__ import annotations

import io
import textwrap

from babel.messages.extract import DEFAULT_KEYWORDS, extract

from api.openapi_texts import docstring_texts, openapi_texts

METHOD = "api.openapi_texts:extract"

VIEWS = textwrap.dedent(
    '''
    from flask import Blueprint as PlainBlueprint
    from flask.views import MethodView
    from flask_babel import lazy_gettext as _l
    from flask_smorest import Blueprint

    blp = Blueprint(
        "things",
        __name__,
        description="Things of the registry, listed and"
        " counted",
    )
    plain = PlainBlueprint("plain", __name__)
    LABEL = _l("a label of the page")


    @blp.route("/things")
    class Things(MethodView):
        """A class docstring is not part of the document."""

        def get(self):
            """List things.

            Newest first, filtered by
            kind and date.

            A second paragraph.
            """

        def post(self):
            """Record a thing."""

        def helper(self):
            """Not an HTTP method."""


    @blp.route("/only", methods=["PUT"])
    class OnlyPut(MethodView):
        def get(self):
            """Not routed: the route names PUT only."""

        def put(self):
            """Replace a thing."""


    @blp.route("/count", methods=["GET", "POST"])
    def count():
        """Count things."""


    @plain.route("/page")
    def page():
        """A plain Flask view, not in the document."""


    def unrouted():
        """Not a view."""
    '''
)


def _texts(source: str) -> list[str]:
    return [text for _line, text in openapi_texts(source)]


def test_views_of_smorest_blueprints_give_summaries_and_paragraphs() -> None:
    assert _texts(VIEWS) == [
        "Things of the registry, listed and counted",
        "List things.",
        "Newest first, filtered by kind and date.",
        "A second paragraph.",
        "Record a thing.",
        "Replace a thing.",
        "Count things.",
    ]


def test_the_extraction_method_adds_the_texts_to_the_python_messages() -> None:
    found = [
        message
        for _line, message, _comments, _context in extract(
            METHOD, io.BytesIO(VIEWS.encode()), {**DEFAULT_KEYWORDS, "_l": None}
        )
    ]
    assert found[0] == "a label of the page"
    assert found[1:] == _texts(VIEWS)


def test_a_module_without_smorest_gives_only_its_python_messages() -> None:
    source = 'from flask import Blueprint\nbp = Blueprint("x", __name__, description="no tag")\n'
    source += '@bp.route("/")\ndef index():\n    """Not documented."""\n'
    assert _texts(source) == []


def test_a_module_import_of_flask_smorest_is_followed() -> None:
    source = textwrap.dedent(
        '''
        import flask_smorest as smorest

        api = smorest.Blueprint("a", __name__, description="Tag text")

        @api.route("/a")
        def a():
            """Summary of a."""
        '''
    )
    assert _texts(source) == ["Tag text", "Summary of a."]


def test_docstrings_split_as_flask_smorest_splits_them() -> None:
    docstring = """Summary on
    two lines.

    Details.
    ---
    internal notes the document leaves out
    """
    assert docstring_texts(docstring) == ["Summary on\ntwo lines.", "Details."]
    assert docstring_texts("Only a summary.") == ["Only a summary."]
