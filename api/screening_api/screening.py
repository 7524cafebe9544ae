"""Bearer-key endpoints: identifier lookup, batch screening, receipts and the key's own usage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import orjson
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.api_key_auth import BEARER_SECURITY, api_key_required, current_key
from api.auth import csrf_exempt_blueprint
from api.public_view import screening_index
from api.screening_api import schemas
from api.screening_api.context import Answering, answering
from api.screening_api.screen_body import SCREEN_ARGUMENTS, read_screen_body
from registry.errors import InvalidValue
from registry.models import ScreeningCall, utcnow
from registry.publication.as_of import ListState
from registry.screening import receipts
from registry.screening import screen as screening
from registry.screening.batch import answer_batch
from registry.screening.persons import lookup_relations
from registry.screening.shared_index import match_index
from registry.subjects.personal_ids import PERSONAL_SCHEMES
from runtime.extensions import db
from runtime.receipt_writing import receipt_writer
from runtime.signing_keys import key_store

blp = Blueprint(
    "screening",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Identifier lookups and batch screening for banks and procurement systems "
        "(Authorization: Bearer <key>). Every answer carries a signed receipt bound to the "
        "log checkpoint it was computed from."
    ),
)
csrf_exempt_blueprint(blp)

SCREEN_EXAMPLE = {
    "queries": [
        {"name": "深圳市华兴科技", "region": "440300", "ref": "loan-7781"},
        {"name": "Shenzhen Huaxing Technology Co., Ltd.", "kind": "legal_person"},
        {"name": "", "identifiers": [{"scheme": "cn_uscc", "value": "91440300MA5F0000X1"}]},
    ],
    "threshold": 0.8,
    "limit": 5,
    "exclude_entry_ids": ["IPL-2025-000007"],
    "as_of": "2026-06-30",
    "privacy": False,
}

KEY_ERRORS = {
    400: "the request could not be read (malformed JSON, NUL characters)",
    401: "missing, malformed, unknown or revoked API key",
    403: "the API key lacks the scope",
    429: "the API key's rate limit is exceeded (see Retry-After)",
}


View = TypeVar("View")


def _document_errors(*extra: int) -> Callable[[View], View]:
    """Attach the bearer security requirement and the error responses to an operation."""

    def decorate(view: View) -> View:
        view = blp.doc(security=BEARER_SECURITY)(view)
        for status, description in KEY_ERRORS.items():
            view = blp.alt_response(status, schema=schemas.ApiErrorSchema, description=description)(
                view
            )
        for status in extra:
            view = blp.alt_response(status, schema=schemas.ApiErrorSchema)(view)
        return view

    return decorate


def sign_receipt(
    endpoint: str,
    checkpoint: screening.CheckpointRef,
    day: Any,
    queries: list[dict[str, Any]],
    results: list[dict[str, Any]],
    privacy: bool,
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Sign and return a receipt for this key's call (queries hashed if `privacy`).

    The receipt and the call record are kept by the worker's receipt writer, written within
    REGISTRY_RECEIPT_FLUSH_MS (runtime.receipt_writing).
    """
    issued = receipts.prepare_receipt(
        key_store().current("receipt"),
        api_key_id=current_key().id,
        endpoint=endpoint,
        issued_at=utcnow(),
        as_of=day,
        checkpoint=checkpoint,
        queries=queries,
        results=results,
        privacy=privacy,
        parameters=parameters,
    )
    receipt_writer().add(issued)
    return issued.envelope


def _published_name(content: dict[str, Any] | None) -> str | None:
    return str(content["subject"]["name"]) if content else None


# One instance: the operations document it and every request is read with it.
LOOKUP_ARGUMENTS = schemas.LookupQuerySchema()

# Query strings already read, with what they read as (never one naming a personal scheme,
# which is refused anyway); emptied when full.
_READ_QUERIES: dict[bytes, dict[str, Any]] = {}
READ_QUERIES_CAPACITY = 4096


def _read_query() -> dict[str, Any]:
    """The lookup's query-string arguments, read once per distinct query string."""
    raw = request.query_string
    query = _READ_QUERIES.get(raw)
    if query is None:
        query = blp.ARGUMENTS_PARSER.parse(LOOKUP_ARGUMENTS, request, location="query")
        assert isinstance(query, dict)
        if query["scheme"] not in PERSONAL_SCHEMES:
            if len(_READ_QUERIES) >= READ_QUERIES_CAPACITY:
                _READ_QUERIES.clear()
            _READ_QUERIES[raw] = query
    return query


@blp.route("/lookup")
class Lookup(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required("screen")]

    def dispatch_request(self, **kwargs: Any) -> Response:
        """Read the arguments and answer, without the per-request documentation wrappers.

        `get` and `post` below document the operations (OpenAPI); a request is read here by
        the same parser and schema instance their decorators use, so a bad argument gets the
        same 422, and answered by the same function.
        """
        if request.method == "POST":
            return _lookup_by_body(blp.ARGUMENTS_PARSER.parse(LOOKUP_ARGUMENTS, request))
        return _lookup_by_query(_read_query())

    @blp.arguments(LOOKUP_ARGUMENTS, location="query")
    @blp.response(200, schemas.LookupResponseSchema)
    @_document_errors(422)
    def get(self, query: dict[str, Any]) -> Response:
        """Was this code listed (cn_uscc, other); personal numbers go by POST (scope screen).

        A query string reaches access logs, proxies and browser histories, so a value of any
        scheme that identifies a person (ID card, permits, residence IDs, passports) is
        refused here (422) and accepted only in a POST body.
        """
        return _lookup_by_query(query)

    @blp.arguments(LOOKUP_ARGUMENTS)
    @blp.response(200, schemas.LookupResponseSchema)
    @_document_errors(422)
    def post(self, query: dict[str, Any]) -> Response:
        """Was this identifier listed: `listed`, `not_listed` or `previously_listed` (scope screen).

        Exact, by identifier: cn_uscc, a personal scheme (cn_ric, hkmotw_residence,
        hkmo_permit, tw_permit, foreign_pr, passport with `country`; send the full number to
        confirm, only the masked form comes back) or other (with `name`, the foreign scheme).
        `as_of` answers for the end of that day. A removed or expired listing is
        `previously_listed`, never `listed`.
        """
        return _lookup_by_body(query)


def _lookup_by_query(query: dict[str, Any]) -> Response:
    """GET: any scheme that identifies a person is refused in a query string."""
    if query["scheme"] in PERSONAL_SCHEMES:
        raise InvalidValue(
            "scheme",
            "%(scheme)s lookups are personal data: POST them to /api/v1/lookup as a JSON body",
            scheme=query["scheme"],
        )
    return _json(_answer_lookup(query))


def _lookup_by_body(query: dict[str, Any]) -> Response:
    """POST: every scheme, personal numbers included."""
    return _json(_answer_lookup(query))


def _json(answer: dict[str, Any]) -> Response:
    """A lookup answer as JSON, keys sorted as every other response.

    The answer is built in the shape of LookupResponseSchema already (the tests hold it to
    that), so it is encoded as it is, without a second pass through the schema.
    """
    body = orjson.dumps(answer, option=orjson.OPT_SORT_KEYS) + b"\n"
    return current_app.response_class(body, mimetype="application/json")


@dataclass(frozen=True)
class _Prepared:
    """What a lookup answer holds besides its receipt (shared between requests: read only)."""

    query: dict[str, str]
    answer: str
    signed_result: dict[str, Any]
    entries: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    proofs: dict[str, str]


def _prepare_lookup(at: Answering, scheme: str, value: str, name: str | None) -> _Prepared:
    """Look the identifier up and assemble the answer's parts at one serving version."""
    state = at.state
    found = screening.lookup(state, scheme, value, name)
    relations, signed_relations = lookup_relations(
        at.persons(), scheme, value, name, state, found.identifier
    )
    result: dict[str, Any] = {"answer": found.answer, "entries": found.entries}
    if signed_relations:
        result["relations"] = signed_relations
    # For people reading the answer: whom each entry names and where to read it. The
    # receipt keeps its contract fields; these are in the response only.
    root = current_app.config["REGISTRY"]["PUBLIC_URL"].rstrip("/")
    entry_ids = [entry["entry_id"] for entry in found.entries]
    listed = _listed(state, entry_ids)
    pending = at.removal_pending(listed)
    shown = [
        {
            **entry,
            "name": _published_name(state.entries[entry["entry_id"]].content),
            "url": f"{root}/entries/{quote(entry['entry_id'])}",
            "removal_pending": pending.get(entry["entry_id"]),
        }
        for entry in found.entries
    ]
    proofs = at.bundles({entry_id: state.entries[entry_id].seq for entry_id in listed})
    return _Prepared(found.query, found.answer, result, shown, relations, proofs)


def _answer_lookup(query: dict[str, Any]) -> dict[str, Any]:
    at = answering(query.get("as_of"))
    state, checkpoint = at.state, at.checkpoint
    scheme, value = query["scheme"], query["value"]
    name = query.get("name") or query.get("country")
    if scheme in PERSONAL_SCHEMES:
        # A personal number is never kept beyond its request, not even as a cache key.
        prepared = _prepare_lookup(at, scheme, value, name)
    else:
        # Everything the parts depend on: the version (log, checkpoint, purges, persons,
        # pending removals), the tree size answered under, the day and the query itself.
        key = ("lookup", at.version, checkpoint.tree_size, state.day, scheme, value, name)
        prepared = at.cache.answer(key, lambda: _prepare_lookup(at, scheme, value, name))
    receipt = sign_receipt(
        "lookup",
        checkpoint,
        state.day,
        [prepared.query],
        [prepared.signed_result],
        query["privacy"],
    )
    return {
        "query": prepared.query,
        "as_of": state.day.isoformat(),
        "answer": prepared.answer,
        "entries": prepared.entries,
        "relations": prepared.relations,
        "checkpoint": checkpoint.as_dict(),
        "receipt": receipt,
        "proofs": prepared.proofs,
    }


def _listed(state: ListState, entry_ids: list[str]) -> list[str]:
    """Those of the entries that are listed on the state's day."""
    return [e for e in entry_ids if state.entries[e].status(state.day) == "listed"]


@blp.route("/screen")
class Screen(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required("screen")]

    def dispatch_request(self, **kwargs: Any) -> Response:
        """Read the batch and answer, without the per-request documentation wrappers.

        `post` below documents the operation (OpenAPI); a plain body is read directly
        (api/screening_api/screen_body.py) and any other by the schema instance its decorator
        uses, so a bad argument gets the same 422; the answer is the one `post` returns.
        """
        data = read_screen_body(lambda: blp.ARGUMENTS_PARSER.parse(SCREEN_ARGUMENTS, request))
        return _json(_answer_screen(data))

    @blp.arguments(SCREEN_ARGUMENTS, example=SCREEN_EXAMPLE)
    @blp.response(200, schemas.ScreenResponseSchema)
    @_document_errors(422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Screen up to 1,000 names against the list (scope: screen).

        Each match has a score in [0, 1], a per-feature explanation and its status on the day
        screened (`listed` or `previously_listed`). Entries in `exclude_entry_ids` are never
        reported. Purged entries cannot match.
        """
        return _answer_screen(data)


def _answer_screen(data: dict[str, Any]) -> dict[str, Any]:
    """Screen a batch at one serving version; each query's part is reused while it holds."""
    request = screening.screen_request(
        data["queries"], data["threshold"], data["limit"], data["exclude_entry_ids"]
    )
    at = answering(data.get("as_of"), names=True)
    state, checkpoint = at.state, at.checkpoint
    answers = answer_batch(
        state,
        request,
        match_index(state, screening_index()),
        at.persons(),
        keep=not data["privacy"],
    )
    signed_results = [
        answer.signed(position, ref)
        for position, (answer, ref) in enumerate(zip(answers, request.refs, strict=True))
    ]
    receipt = sign_receipt(
        "screen",
        checkpoint,
        state.day,
        request.public_queries(),
        signed_results,
        data["privacy"],
        request.parameters(),
    )
    listed = _listed(state, list(dict.fromkeys(e for a in answers for e in a.entry_ids)))
    pending = at.removal_pending(listed)
    return {
        "as_of": state.day.isoformat(),
        "checkpoint": checkpoint.as_dict(),
        "results": [
            answer.shown(position, ref, pending)
            for position, (answer, ref) in enumerate(zip(answers, request.refs, strict=True))
        ],
        "receipt": receipt,
        "proofs": at.bundles({entry_id: state.entries[entry_id].seq for entry_id in listed}),
    }


@blp.route("/receipts/<string:receipt_id>")
class ReceiptById(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required("screen")]

    @blp.response(200, schemas.ReceiptSchema)
    @_document_errors(404)
    def get(self, receipt_id: str) -> dict[str, Any]:
        """A receipt issued earlier to the same key, byte for byte (scope: screen)."""
        receipt_writer().flush()
        return receipts.get_receipt(db.session(), current_key().id, receipt_id)


@blp.route("/usage")
class Usage(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required()]

    @blp.arguments(schemas.UsageQuerySchema, location="query")
    @blp.response(200, schemas.UsageCallSchema(many=True))
    @_document_errors(422)
    def get(self, query: dict[str, Any]) -> list[ScreeningCall]:
        """This key's own lookup and screening calls, newest first (any scope; no query content)."""
        receipt_writer().flush()
        return receipts.usage(db.session(), current_key().id, query["limit"], query["offset"])
