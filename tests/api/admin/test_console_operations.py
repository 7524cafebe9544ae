"""The admin's console pages: API keys (shown once, revoked, usage chart) and publish now."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from registry import clock
from registry.clients.api_keys import hash_secret
from registry.models import ApiKey, Listing, ScreeningCall
from runtime import publish_now
from tests import builders


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(signed_in, session: Session) -> None:
    admin = signed_in["admin"]
    refused = admin.form("/admin/keys", {"name": "Bank of Fuzhou"})
    assert refused.status_code == 422
    assert 'id="scopes-error"' in _text(refused) and 'value="Bank of Fuzhou"' in _text(refused)
    created = admin.form("/admin/keys", {"name": "Bank of Fuzhou", "scopes": ["screen"]})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    page = _text(created)
    token = page.split('<code class="wrap" id="issued-key">')[1].split("</code>")[0]
    key = session.query(ApiKey).one()
    _ipl, prefix, secret = token.split("_", 2)
    assert prefix == key.prefix and hash_secret(secret) == key.secret_sha256
    assert "Screening and lookups" in page
    listed = _text(admin.get("/admin/keys"))
    assert secret not in listed and key.prefix in listed  # shown once only
    revoked = admin.form(f"/admin/keys/{key.id}/revoke", {"reason": "contract ended"})
    assert "is revoked" in _text(admin.get(revoked.location))
    session.refresh(key)
    assert key.revoked_at is not None
    assert signed_in["reviewer"].get("/admin/keys").status_code == 403


def test_a_keys_usage_is_charted_per_beijing_day(signed_in, session: Session) -> None:
    key = ApiKey(name="Bank", prefix="0123456789ab", secret_sha256="0" * 64, scopes=["screen"])
    session.add(key)
    session.flush()
    now = clock.utcnow()
    for hours in (0, 1, 30):
        session.add(
            ScreeningCall(
                api_key_id=key.id,
                called_at=now - dt.timedelta(hours=hours),
                endpoint="lookup",
                query_count=1,
                tree_size=0,
            )
        )
    session.commit()
    page = _text(signed_in["admin"].get(f"/admin/keys/{key.id}"))
    assert "<svg" in page and 'role="img"' in page
    assert "3 calls in the last 30 days." in page
    assert page.count("<rect ") == 30


def test_publish_now_runs_the_publisher_and_shows_its_steps(
    signed_in, session: Session, app
) -> None:
    listing = builders.listing(session, state="approved")
    assert signed_in["reviewer"].get("/admin/publish").status_code == 403
    admin = signed_in["admin"]
    assert "Start a publication run now" in _text(admin.get("/admin/publish"))
    started = admin.form("/admin/publish")
    assert started.status_code == 303
    app.extensions[publish_now.THREAD].join()
    page = _text(admin.get(started.headers["Location"]))
    assert '<ol class="steps"' in page and "<li>" in page.split('<ol class="steps"')[1]
    assert "1 published" in page
    assert "Start a publication run now" in _text(admin.get("/admin/publish"))
    # Every step the real publisher reported has its words in Chinese.
    admin.client.set_cookie("lang", "zh")
    shown = admin.get(f"{started.headers['Location']}/progress").get_json()["shown_steps"]
    assert len(shown) >= 4
    assert all(re.search(r"[\u4e00-\u9fff]", step) for step in shown), shown
    session.expire_all()
    assert session.get(Listing, listing.id).state == "published"
