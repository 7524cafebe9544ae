"""Admin API: user accounts (admin) and the audit trail (read and verify)."""

# flask-smorest ships no types, so @blp.arguments/@blp.response are untyped; only Flask calls these.

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from api.admin import schemas
from api.admin.records import USER_READERS
from api.auth import SIGNED_IN, current_actor, require_role
from registry import clock
from registry.accounts.changes import deactivate
from registry.accounts.confirmations import (
    confirm_request,
    create_account,
    refuse_request,
    set_role,
    waiting_requests,
)
from registry.accounts.password_changes import reset_password
from registry.accounts.queries import list_users
from registry.audit import trail as audit
from registry.audit.queries import audit_records
from registry.audit.trail import ChainReport
from registry.errors import translatable
from registry.models import AccountRequest, AuditRecord, User
from runtime.extensions import db

blp = Blueprint(
    "admin_users",
    __name__,
    url_prefix="/api/v1/admin",
    description="User accounts and the hash-chained audit trail",
)


@blp.route("/users")
class Users(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.UserOutSchema(many=True))
    def get(self) -> list[User]:
        """Every account (admin, auditor)."""
        require_role(current_actor(), USER_READERS, translatable("list user accounts"))
        return list_users(db.session())

    @blp.arguments(schemas.UserInSchema)
    @blp.response(201, schemas.UserOutSchema)
    @blp.alt_response(202, schema=schemas.AccountRequestOutSchema)
    def post(self, data: dict[str, Any]) -> User | Response:
        """Create an account (admin); a reviewer or admin waits for a second admin (202)."""
        made = create_account(
            db.session(),
            current_actor(),
            data["username"],
            data["role"],
            data["password"],
            data["display_name"],
            clock.utcnow(),
        )
        return _waiting(made) if isinstance(made, AccountRequest) else made


def _waiting(pending: AccountRequest) -> Response:
    """202 Accepted: the change waits for a second admin's confirmation."""
    response = jsonify(schemas.AccountRequestOutSchema().dump(pending))
    response.status_code = 202
    return response


@blp.route("/users/requests")
class AccountRequests(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.AccountRequestOutSchema(many=True))
    def get(self) -> list[AccountRequest]:
        """Account and role requests waiting for a second admin (admin, auditor)."""
        require_role(current_actor(), USER_READERS, translatable("list account requests"))
        return waiting_requests(db.session())


@blp.route("/users/requests/<int:request_id>/confirm")
class AccountRequestConfirm(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.AccountRequestOutSchema)
    def post(self, request_id: int) -> AccountRequest:
        """Confirm another admin's request: the account is created or its role changed (admin)."""
        return confirm_request(db.session(), current_actor(), request_id, clock.utcnow())


@blp.route("/users/requests/<int:request_id>/refuse")
class AccountRequestRefuse(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.AccountRequestOutSchema)
    def post(self, request_id: int) -> AccountRequest:
        """Refuse (or, for its requester, withdraw) a waiting request (admin)."""
        return refuse_request(db.session(), current_actor(), request_id, clock.utcnow())


@blp.route("/users/<int:user_id>/role")
class UserRole(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.RoleInSchema)
    @blp.response(200, schemas.UserOutSchema)
    @blp.alt_response(202, schema=schemas.AccountRequestOutSchema)
    def post(self, data: dict[str, Any], user_id: int) -> User | Response:
        """Give an account another role (admin, not their own); reviewer or admin waits (202)."""
        changed = set_role(db.session(), current_actor(), user_id, data["role"], clock.utcnow())
        return _waiting(changed) if isinstance(changed, AccountRequest) else changed


@blp.route("/users/<int:user_id>/deactivate")
class UserDeactivate(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.UserOutSchema)
    def post(self, user_id: int) -> User:
        """Deactivate an account; its sessions end at once (admin)."""
        return deactivate(db.session(), current_actor(), user_id)


@blp.route("/users/<int:user_id>/reset-password")
class UserPasswordReset(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.PasswordResetOutSchema)
    def post(self, user_id: int) -> dict[str, str]:
        """Give an account a temporary password it must change at its next sign-in (admin)."""
        username, temporary = reset_password(db.session(), current_actor(), user_id, clock.utcnow())
        return {"username": username, "temporary_password": temporary}


@blp.route("/audit")
class AuditTrail(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.AuditQuerySchema, location="query")
    @blp.response(200, schemas.AuditOutSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[AuditRecord]:
        """Audit records, newest first, filtered by action, object and actor."""
        current_actor().require("audit.read")
        return audit_records(db.session(), **query)


@blp.route("/audit/verify")
class AuditVerify(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.ChainReportSchema)
    def get(self) -> ChainReport:
        """Recompute the hash chain and report the first broken record."""
        current_actor().require("audit.read")
        return audit.verify_chain(db.session())
