"""The yente-compatible match API (scope: screen): `POST /api/v1/ftm/match/<dataset>` and
`GET /api/v1/ftm/entities/<entity_id>`. A yente client pointed at `/api/v1/ftm` works unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.api_key_auth import BEARER_SECURITY, api_key_required
from api.auth import csrf_exempt_blueprint
from api.public_view import screening_index
from api.screening_api.context import answering_checkpoint, screening_checkpoint, state_at
from api.screening_api.screening import sign_receipt
from registry.errors import InvalidValue, NotFound
from registry.screening import yente
from registry.screening.matching import DEFAULT_THRESHOLD
from registry.screening.persons import person_index
from runtime.extensions import session

blp = Blueprint(
    "ftm_match",
    __name__,
    url_prefix="/api/v1/ftm",
    description=(
        "Screening in the request and response shape of yente (OpenSanctions): FollowTheMoney "
        "entities in, scored FtM entities with per-feature explanations out."
    ),
)
csrf_exempt_blueprint(blp)

# yente's default dataset name, and this list's own.
DATASETS = ("default", "ipl")


def _dataset(dataset: str) -> str:
    if dataset not in DATASETS:
        raise NotFound(
            "unknown dataset %(dataset)r; this registry serves %(expected)s",
            dataset=dataset,
            expected=", ".join(DATASETS),
        )
    return dataset


def _number(name: str, default: float) -> float:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise InvalidValue(name, "must be a number between 0 and 1") from None


@blp.route("/match/<string:dataset>")
class Match(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required("screen")]

    @blp.doc(security=BEARER_SECURITY)
    def post(self, dataset: str) -> dict[str, Any]:
        """Match FollowTheMoney entities against the list, as yente's /match does."""
        _dataset(dataset)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidValue("queries", 'send a JSON object {"queries": {key: entity}}')
        limit_raw = request.args.get("limit", "5")
        if not limit_raw.isdigit():
            raise InvalidValue(
                "limit",
                "must be a whole number from 1 to %(MAX_LIMIT)s",
                MAX_LIMIT=yente.MAX_LIMIT,
            )
        threshold, limit = yente.check_options(
            _number("threshold", DEFAULT_THRESHOLD), int(limit_raw)
        )
        cutoff, _ = yente.check_options(_number("cutoff", 0.5), limit)
        queries = yente.parse_match_request(body)
        checkpoint = screening_checkpoint(answering_checkpoint())
        state = state_at(checkpoint, None)
        answer = yente.match(
            state,
            queries,
            dataset,
            threshold,
            limit,
            cutoff,
            screening_index(),
            person_index(session(), state),
        )
        # yente clients ignore the extra key; the queries are signed as their hash only.
        receipt = sign_receipt(
            "ftm_match",
            checkpoint,
            state.day,
            [{"key": q.key, "schema": q.schema, "properties": q.properties} for q in queries],
            answer.receipt_results,
            privacy=True,
            parameters={
                "dataset": dataset,
                "threshold": f"{threshold:.4f}",  # decimal strings: no floats are signed
                "limit": limit,
                "cutoff": f"{cutoff:.4f}",
            },
        )
        return answer.body | {"receipt": receipt}


@blp.route("/entities/<string:entity_id>")
class Entity(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [api_key_required("screen")]

    @blp.doc(security=BEARER_SECURITY)
    def get(self, entity_id: str) -> dict[str, Any]:
        """One subject entity by its FtM id (the id in the feed's FtM export)."""
        state = state_at(answering_checkpoint(), None)
        found = yente.entity_by_id(state, entity_id, DATASETS[0])
        if found is None:
            raise NotFound("no listed subject has this entity id")
        return found
