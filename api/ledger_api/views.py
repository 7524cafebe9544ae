"""The public log API (`/api/v1/log/...`) and the published keys: no sign-in, rate-limited."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint as PlainBlueprint
from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.ledger_api import proofs, schemas
from registry.canonical import canonical_bytes
from runtime.extensions import limiter, session
from runtime.signing_keys import key_store

DEFAULT_RATE_LIMIT = "300/minute"
PROOF_BUNDLE_TYPE = "text/plain; charset=utf-8"
KEYS_MAX_AGE = 300  # keys change only on rotation; a short cache lets a rotation show soon

blp = Blueprint(
    "log",
    __name__,
    url_prefix="/api/v1",
    description="The transparency log: checkpoint, inclusion and consistency proofs; keys",
)
well_known = PlainBlueprint("well_known", __name__)


def _rate_limit() -> str:
    return str(current_app.config.get("LOG_API_RATE_LIMIT", DEFAULT_RATE_LIMIT))


@blp.after_request
@well_known.after_request
def _public(response: Response) -> Response:
    # Public, read-only data: browsers on other origins (e.g. a verifier page) may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blp.route("/log/checkpoint")
class LatestCheckpoint(MethodView):
    @blp.response(200, schemas.CheckpointSchema)
    def get(self) -> Response:
        """The latest signed checkpoint: note text, origin, tree size, base64 root."""
        response = jsonify(proofs.checkpoint_view(proofs.latest_checkpoint(session())))
        response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
        return response


@blp.route("/log/proof/inclusion")
class InclusionProof(MethodView):
    @blp.arguments(schemas.InclusionQuerySchema, location="query")
    @blp.response(200, schemas.InclusionSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Inclusion proof of a leaf, by `index` or by `entry_id` (and `revision`)."""
        if query["entry_id"] is not None:
            return proofs.inclusion_by_entry(
                session(), query["entry_id"], query["revision"], query["tree_size"]
            )
        return proofs.inclusion_by_index(session(), query["index"], query["tree_size"])


@blp.route("/log/proof/bundle")
class ProofBundle(MethodView):
    @blp.arguments(schemas.InclusionQuerySchema, location="query")
    @blp.response(200, content_type=PROOF_BUNDLE_TYPE)
    def get(self, query: dict[str, Any]) -> Response:
        """A c2sp.org/tlog-proof bundle of a leaf (by `index` or `entry_id`), for offline checks.

        It holds the event leaf (`extra`), its index, the inclusion proof and the checkpoint
        with its witness cosignatures; `registry verify-proof` checks it with no network.
        """
        text, filename = proofs.proof_bundle(
            session(), query["index"], query["entry_id"], query["revision"], query["tree_size"]
        )
        response = Response(text, content_type=PROOF_BUNDLE_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@blp.route("/log/proof/consistency")
class ConsistencyProof(MethodView):
    @blp.arguments(schemas.ConsistencyQuerySchema, location="query")
    @blp.response(200, schemas.ConsistencySchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Proof that the tree of size `first` is a prefix of the signed tree of `second`."""
        return proofs.consistency(session(), query["first"], query["second"])


@blp.route("/log/entries")
class LogEntries(MethodView):
    @blp.arguments(schemas.EntriesQuerySchema, location="query")
    @blp.response(200, schemas.LogEntriesSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Leaves from `start` (at most `limit`), up to the latest signed checkpoint."""
        return proofs.log_entries(session(), query["start"], query["limit"])


def keys_response() -> Response:
    """Every public key, current and retired, with an ETag and a short cache lifetime."""
    body = canonical_bytes({"keys": key_store().public_keys()})
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    response.make_conditional(request)
    return response


@blp.route("/keys")
class PublicKeys(MethodView):
    @blp.response(200, schemas.KeysSchema)
    def get(self) -> Response:
        """The public keys, as in feed/keys.json: kid, alg, key, note_vkey, use, validity."""
        return keys_response()


@well_known.get("/.well-known/registry-keys.json")
def well_known_keys() -> Response:
    """The public keys at a well-known address."""
    return keys_response()


limiter.limit(_rate_limit)(blp)
limiter.limit(_rate_limit)(well_known)
