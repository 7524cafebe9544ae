"""`registry import-cases`: progress, summary, error report and exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import EnforcementCase, Subject
from tests import builders
from tests.conftest import ROOT

EXAMPLE = ROOT / "docs" / "import-cases-example.csv"


@pytest.fixture
def clerk(session: Session) -> str:
    """A clerk account to import under."""
    return builders.user(session, "clerk").username


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Subject)) or 0,
        session.scalar(select(func.count()).select_from(EnforcementCase)) or 0,
    )


def _import(runner: FlaskCliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(args=["import-cases", *args])
    return result.exit_code, result.output


def test_a_valid_file_is_imported_with_progress_and_summary(
    runner: FlaskCliRunner, session: Session, clerk: str
) -> None:
    code, output = _import(runner, str(EXAMPLE), "--clerk", clerk)
    assert code == 0, output
    assert "checking rows" in output and "importing rows" in output
    assert "6 rows, 6 cases imported, 4 new subjects, 0 errors" in output
    assert _counts(session) == (4, 6)


def test_errors_are_written_as_csv_and_nothing_is_imported(
    runner: FlaskCliRunner, session: Session, clerk: str, tmp_path: Path
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2024-09-12", "12/09/2024")
    lines[0] = lines[0] + ",=HYPERLINK(x)"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "errors.csv"

    code, output = _import(runner, str(bad), "--clerk", clerk, "--errors", str(report))
    assert code == 1
    assert "row 1, =HYPERLINK(x): unknown column" in output
    assert "6 rows, 1 error: nothing was imported" in output
    with report.open(encoding="utf-8-sig", newline="") as written:
        rows = list(csv.reader(written))
    assert rows[0] == ["row", "column", "reason"]
    assert rows[1][:2] == ["1", "'=HYPERLINK(x)"]  # neutralised for spreadsheets

    good_header = "\n".join([lines[0].removesuffix(",=HYPERLINK(x)"), *lines[1:]]) + "\n"
    bad.write_text(good_header, encoding="utf-8")
    code, output = _import(runner, str(bad), "--clerk", clerk, "--errors", str(report))
    assert code == 1
    assert "row 4, decided_on: '12/09/2024' is not a date; use YYYY-MM-DD" in output
    with report.open(encoding="utf-8-sig", newline="") as written:
        assert list(csv.reader(written))[1:] == [
            ["4", "decided_on", "'12/09/2024' is not a date; use YYYY-MM-DD"]
        ]
    assert _counts(session) == (0, 0)


def test_asked_to_skip_bad_rows_the_rest_is_imported(
    runner: FlaskCliRunner, session: Session, clerk: str, tmp_path: Path
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2024-09-12", "12/09/2024")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = _import(runner, str(bad), "--clerk", clerk, "--skip-bad-rows")
    assert code == 0, output
    assert "row 4, decided_on: '12/09/2024' is not a date; use YYYY-MM-DD" in output
    assert "6 rows, 1 skipped for errors; 5 cases imported" in output
    assert _counts(session)[1] == 5


def test_dry_run_checks_without_importing(
    runner: FlaskCliRunner, session: Session, clerk: str
) -> None:
    code, output = _import(runner, str(EXAMPLE), "--clerk", clerk, "--dry-run")
    assert code == 0, output
    assert "dry run: 6 rows, no errors; 6 cases and 4 new subjects would be imported" in output
    assert "importing rows" not in output
    assert _counts(session) == (0, 0)


def test_the_account_must_be_an_active_clerk(
    runner: FlaskCliRunner, session: Session, clerk: str
) -> None:
    code, output = _import(runner, str(EXAMPLE), "--clerk", "nobody")
    assert code == 1
    assert "no active account 'nobody'" in output
    builders.user(session, "reviewer", username="rita")
    code, output = _import(runner, str(EXAMPLE), "--clerk", "rita")
    assert code == 1
    assert "role 'reviewer' may not perform" in output
    assert _counts(session) == (0, 0)


def test_unreadable_or_oversize_files_are_refused(
    runner: FlaskCliRunner, clerk: str, tmp_path: Path
) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"subject_scheme\n\xff\xff\n")
    code, output = _import(runner, str(latin), "--clerk", clerk)
    assert code == 1
    assert "file: is neither UTF-8 nor GB18030/GBK text" in output

    code, output = _import(runner, str(EXAMPLE), "--clerk", clerk, "--max-bytes", "200")
    assert code == 1
    assert "at most 200 bytes can be imported at once" in output
