"""The console's /admin/import page: clerks upload a cases file, see every error or the result."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from registry.models import EnforcementCase, Subject
from tests.api.conftest import SignedIn
from tests.conftest import ROOT

EXAMPLE = ROOT / "docs" / "import-cases-example.csv"


def _upload(user: SignedIn, data: bytes, **fields: str) -> TestResponse:
    return user.form("/admin/import", {"file": (io.BytesIO(data), "cases.csv"), **fields})


def _cases(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EnforcementCase)) or 0


def test_clerk_finds_the_page_in_the_navigation(signed_in: dict[str, SignedIn]) -> None:
    page = signed_in["clerk"].get("/admin/").get_data(as_text=True)
    assert 'href="/admin/import">Import cases</a>' in page
    form = signed_in["clerk"].get("/admin/import")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in text and 'name="csrf_token"' in text
    assert "<strong>document_number</strong>" in text and "at most 5.0 MB" in text
    assert "Import cases" not in signed_in["reviewer"].get("/admin/").get_data(as_text=True)


def test_clerk_imports_a_valid_file(signed_in: dict[str, SignedIn], session: Session) -> None:
    response = _upload(signed_in["clerk"], EXAMPLE.read_bytes())
    assert response.status_code == 200
    assert "6 rows, 6 cases imported, 4 new subjects, 0 errors." in response.get_data(as_text=True)
    assert _cases(session) == 6
    assert session.scalar(select(func.count()).select_from(Subject)) == 4


def test_gb18030_upload_and_dry_run(signed_in: dict[str, SignedIn], session: Session) -> None:
    data = EXAMPLE.read_text(encoding="utf-8").encode("gb18030")
    response = _upload(signed_in["clerk"], data, dry_run="1")
    assert response.status_code == 200
    assert "6 cases and 4 new subjects would be imported" in response.get_data(as_text=True)
    assert _cases(session) == 0


def test_every_error_is_shown_and_nothing_is_imported(
    signed_in: dict[str, SignedIn], session: Session
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("administrative_penalty", "<script>x</script>")
    lines[6] = lines[6].replace("ZL201710601862.3", "ZL201710601862.4")
    response = _upload(signed_in["clerk"], ("\n".join(lines) + "\n").encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "6 rows, 2 errors: nothing was imported" in page
    assert (
        "<tr><td>3</td><td>kind</td><td>unknown kind &#39;&lt;script&gt;x&lt;/script&gt;&#39;"
        in page
    )
    assert "<tr><td>7</td><td>patents</td>" in page
    assert "has check digit 4 but the number requires 3" in page
    assert "<script>" not in page
    assert _cases(session) == 0


def test_a_clerk_may_import_the_good_rows_and_see_the_skipped_ones(
    signed_in: dict[str, SignedIn], session: Session
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("administrative_penalty", "verdict")
    response = _upload(signed_in["clerk"], ("\n".join(lines) + "\n").encode(), skip_bad_rows="1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "6 rows, 1 skipped for errors; 5 cases imported" in page
    assert "<tr><td>3</td><td>kind</td>" in page
    assert _cases(session) == 5


def test_unreadable_missing_or_oversize_files_are_refused(
    signed_in: dict[str, SignedIn], app: Flask, session: Session
) -> None:
    clerk = signed_in["clerk"]
    bad = _upload(clerk, b"subject_scheme\n\xff\xff\n")
    assert bad.status_code == 422
    assert "File: is neither UTF-8 nor GB18030/GBK text" in bad.get_data(as_text=True)

    missing = clerk.form("/admin/import", {})
    assert missing.status_code == 422
    assert "File: choose a CSV file to upload" in missing.get_data(as_text=True)

    app.config["IMPORT_MAX_BYTES"] = 300
    big = _upload(clerk, EXAMPLE.read_bytes())
    assert big.status_code == 422
    assert "at most 300 bytes can be imported at once" in big.get_data(as_text=True)
    assert _cases(session) == 0


def test_only_clerks_may_import(signed_in: dict[str, SignedIn], session: Session) -> None:
    for name in ("reviewer", "auditor", "admin"):
        assert signed_in[name].get("/admin/import").status_code == 403, name
        refused = _upload(signed_in[name], EXAMPLE.read_bytes())
        assert refused.status_code == 403, name
        assert "does not allow this" in refused.get_data(as_text=True)
    assert _cases(session) == 0


def test_an_upload_without_csrf_token_is_refused(
    signed_in: dict[str, SignedIn], session: Session
) -> None:
    response = signed_in["clerk"].client.post(
        "/admin/import", data={"file": (io.BytesIO(EXAMPLE.read_bytes()), "cases.csv")}
    )
    assert response.status_code == 400
    assert "Form refused" in response.get_data(as_text=True)
    assert _cases(session) == 0


def test_a_chinese_reader_sees_every_row_problem_in_chinese(
    signed_in: dict[str, SignedIn], session: Session
) -> None:
    clerk = signed_in["clerk"]
    clerk.client.set_cookie("lang", "zh")
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("administrative_penalty", "<script>x</script>")
    lines[6] = lines[6].replace("ZL201710601862.3", "ZL201710601862.4")
    response = _upload(clerk, ("\n".join(lines) + "\n").encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "<tr><td>3</td><td>kind</td><td>未知的类型 &#39;&lt;script&gt;x&lt;/script&gt;&#39;" in page
    )
    assert "的校验位为 4，但该号码应为 3" in page
    assert "unknown kind" not in page and "check digit" not in page
    assert "<script>" not in page
    assert _cases(session) == 0
