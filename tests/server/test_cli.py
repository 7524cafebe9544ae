"""The `registry` command line."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import update
from sqlalchemy.orm import Session

from registry.accounts.passwords import DEMO_PASSWORD
from registry.accounts.users import password_matches
from registry.models import AuditRecord, User


def test_admin_create_hashes_the_password(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["admin", "create", "alice", "--password", "correct horse battery"])
    assert result.exit_code == 0, result.output
    assert "created admin 'alice'" in result.output
    user = session.query(User).filter_by(username="alice").one()
    assert user.password_hash.startswith("$argon2id$")
    assert password_matches(user.password_hash, "correct horse battery")


def test_admin_create_refuses_short_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["admin", "create", "bob", "--password", "short"])
    assert result.exit_code != 0
    assert "password: must be at least 12 characters" in result.output


def test_admin_create_refuses_duplicate(runner: FlaskCliRunner) -> None:
    args = ["admin", "create", "carol", "--role", "clerk", "--password", "a long enough secret"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_audit_verify_reports_intact_then_tampered(
    runner: FlaskCliRunner, session: Session
) -> None:
    for name in ("dave", "erin", "frank"):
        runner.invoke(args=["admin", "create", name, "--password", "a long enough secret"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact: 3 records" in result.output

    session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(actor="mallory"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at record 2" in result.output


def test_demo_refuses_a_production_configuration(
    runner: FlaskCliRunner, app: Flask, session: Session
) -> None:
    app.config["REGISTRY_ENV"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "registry demo refuses REGISTRY_ENV=production" in result.output
    assert session.query(User).count() == 0


def test_admin_create_refuses_the_published_demo_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["admin", "create", "dave", "--password", DEMO_PASSWORD])
    assert result.exit_code != 0
    assert "password: is the published demo password" in result.output
