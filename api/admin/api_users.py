"""Admin API: user accounts (admin) and the audit trail (read and verify)."""

# flask-smorest ships no types, so @blp.arguments/@blp.response are untyped; only Flask calls these.

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.admin import schemas
from api.admin.records import USER_READERS
from api.auth import SIGNED_IN, current_actor, require_role
from registry.accounts import users as accounts
from registry.accounts.changes import change_role, deactivate
from registry.accounts.queries import list_users
from registry.audit import trail as audit
from registry.audit.queries import audit_records
from registry.audit.trail import ChainReport
from registry.models import AuditRecord, User
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
        require_role(current_actor(), USER_READERS, "list user accounts")
        return list_users(db.session())

    @blp.arguments(schemas.UserInSchema)
    @blp.response(201, schemas.UserOutSchema)
    def post(self, data: dict[str, Any]) -> User:
        """Create an account (admin)."""
        actor = current_actor()
        actor.require("user.manage")
        return accounts.create_user(
            db.session(),
            data["username"],
            data["role"],
            data["password"],
            data["display_name"],
            actor.name,
        )


@blp.route("/users/<int:user_id>/role")
class UserRole(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.RoleInSchema)
    @blp.response(200, schemas.UserOutSchema)
    def post(self, data: dict[str, Any], user_id: int) -> User:
        """Give an account another role (admin, not on their own account)."""
        return change_role(db.session(), current_actor(), user_id, data["role"])


@blp.route("/users/<int:user_id>/deactivate")
class UserDeactivate(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.UserOutSchema)
    def post(self, user_id: int) -> User:
        """Deactivate an account; its sessions end at once (admin)."""
        return deactivate(db.session(), current_actor(), user_id)


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
