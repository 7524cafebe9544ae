"""Bulk import of enforcement cases from a CSV file, all or nothing.

Two passes. `plan_import` checks every row with the same checks as the single-record services
(`check_subject`, `check_case`, the rules' consistency checks) plus the database (is the subject
known by its identifier, is the document already recorded) and collects every error. Only a plan
without errors is applied: `apply_import` inserts all rows in ONE transaction, so a failure half
way leaves nothing behind. Values are stored as given (no formula neutralising: that belongs to
the CSV exports); control characters are refused like everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.cases.import_file import (
    CasesFile,
    ImportLimits,
    RowError,
    RowReader,
    read_cases_file,
    row_error,
    row_error_of,
)
from registry.cases.import_persons import person_key, recorded, row_person
from registry.cases.records import (
    CheckedCase,
    add_case,
    check_case,
    check_case_rules,
    recorded_case_id,
)
from registry.errors import DomainError, InvalidValue
from registry.models import Subject
from registry.subjects.identifiers import Identifier, validate_identifier
from registry.subjects.persons import CheckedPerson, add_person
from registry.subjects.records import (
    SubjectInput,
    add_subject,
    check_subject,
    clean_text,
    find_by_identifier,
)
from registry.transaction import atomic

Progress = Callable[[int], None]
_INDEX_RE = re.compile(r"\[\d+\]")
# check_subject and validate_identifier name their fields; the file names its columns.
_SUBJECT_COLUMNS = {
    "kind": "subject_kind",
    "name": "subject_name",
    "region": "subject_region",
    "identifiers": "subject_scheme",
    "subject.scheme": "subject_scheme",
    "subject.value": "subject_id_value",
    "subject.name": "subject_id_name",
    "subject.country": "subject_id_name",
}


@dataclass(frozen=True, eq=False)
class PlannedSubject:
    """A subject rows refer to: already recorded (`subject_id`) or to be created from a row."""

    kind: str
    name: str
    subject_id: int | None = None
    fields: dict[str, object] = field(default_factory=dict)
    identifiers: list[Identifier] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedCase:
    """One checked row: the case and the subject it belongs to."""

    row: int
    subject: PlannedSubject
    case: CheckedCase
    # A responsible person first named on this row (repeats and recorded persons are dropped).
    person: CheckedPerson | None = None


@dataclass
class ImportPlan:
    """The outcome of checking a file: what would be inserted, and every error found."""

    sha256: str
    rows: int
    cases: list[PlannedCase] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def new_subjects(self) -> int:
        """How many subjects the import would create."""
        return len({c.subject for c in self.cases if c.subject.subject_id is None})


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, in a dry run, would do); with any error it imported nothing,
    unless the clerk asked to skip the bad rows."""

    rows: int
    imported: int
    subjects_created: int
    errors: tuple[RowError, ...] = ()
    dry_run: bool = False
    skipped_bad_rows: bool = False

    @property
    def refused(self) -> bool:
        """True when the file was refused as a whole: errors, and no rows skipped instead."""
        return bool(self.errors) and not self.skipped_bad_rows

    def summary(self) -> str:
        """One line for the clerk: rows, cases imported, subjects created, errors."""
        if self.skipped_bad_rows:
            bad = len({error.row for error in self.errors})
            verb = "would be imported" if self.dry_run else "imported"
            return (
                f"{self.rows} rows, {bad} skipped for errors; {self.imported} cases {verb}, "
                f"{self.subjects_created} new subjects"
            )
        if self.errors:
            count = len(self.errors)
            return (
                f"{self.rows} rows, {count} error{'' if count == 1 else 's'}: nothing was imported"
            )
        if self.dry_run:
            return (
                f"dry run: {self.rows} rows, no errors; {self.imported} cases and "
                f"{self.subjects_created} new subjects would be imported"
            )
        return (
            f"{self.rows} rows, {self.imported} cases imported, "
            f"{self.subjects_created} new subjects, 0 errors"
        )


class _Planner:
    """Checks rows one by one, remembering subjects and documents met earlier in the file."""

    def __init__(self, session: Session, plan: ImportPlan) -> None:
        self.session = session
        self.plan = plan
        self.subjects: dict[tuple[str, str, str], PlannedSubject] = {}
        self.documents: dict[tuple[str, str], int] = {}
        self.persons: set[tuple[PlannedSubject, tuple[str, str, str, str]]] = set()

    def row_error(self, row: int, column: str, template: str, /, **params: object) -> None:
        self.plan.errors.append(row_error(row, column, template, **params))

    def row_error_of(
        self, row: int, column: str, error: DomainError, reason: str | None = None
    ) -> None:
        self.plan.errors.append(row_error_of(row, column, error, reason))

    def subject(self, reader: RowReader) -> PlannedSubject | None:
        row = reader.number
        missing = [c for c in ("subject_scheme", "subject_id_value") if not reader.text(c)]
        for column in missing:
            self.row_error(row, column, "is required: subjects are matched by their identifier")
        if missing:
            return None
        try:
            identifier = validate_identifier(
                reader.text("subject_scheme"),
                reader.text("subject_id_value"),
                reader.text("subject_id_name") or None,
                "subject",
            )
        except InvalidValue as error:
            self.row_error_of(row, _SUBJECT_COLUMNS.get(error.field, error.field), error)
            return None
        key = (identifier.scheme, identifier.name or "", identifier.value)
        known = self.subjects.get(key)
        if known is None:
            known = self._known_subject(identifier) or self._new_subject(reader, identifier)
            if known is None:
                return None
            self.subjects[key] = known
        return known if self._matches(reader, known) else None

    def _known_subject(self, identifier: Identifier) -> PlannedSubject | None:
        existing = find_by_identifier(self.session, identifier)
        if existing is None:
            return None
        return PlannedSubject(existing.kind, existing.name, subject_id=existing.id)

    def _new_subject(self, reader: RowReader, identifier: Identifier) -> PlannedSubject | None:
        data = SubjectInput(
            kind=reader.text("subject_kind"),
            name=reader.values.get("subject_name", ""),
            identifiers=[
                {
                    "scheme": identifier.scheme,
                    "value": identifier.value,
                    "name": identifier.name or "",
                }
            ],
            legal_representative=reader.values.get("legal_representative") or None,
            region=reader.values.get("subject_region") or None,
        )
        try:
            fields, identifiers = check_subject(data)
        except InvalidValue as error:
            column = _SUBJECT_COLUMNS.get(error.field, error.field)
            if column in ("subject_kind", "subject_name") and not reader.text(column):
                self.row_error(
                    reader.number,
                    column,
                    "is required: no subject with this identifier is recorded yet",
                )
            else:
                self.row_error_of(reader.number, column, error)
            return None
        return PlannedSubject(str(fields["kind"]), str(fields["name"]), None, fields, identifiers)

    def _matches(self, reader: RowReader, known: PlannedSubject) -> bool:
        # A row naming a different subject than its identifier's points at a typo in one of them.
        row, ok = reader.number, True
        try:
            name = clean_text(reader.values.get("subject_name"), "subject_name", 200, as_typed=True)
        except InvalidValue as error:
            self.row_error_of(row, "subject_name", error)
            return False
        if name and name != known.name:
            if known.subject_id:
                self.row_error(
                    row,
                    "subject_name",
                    "the identifier belongs to %(name)r (subject %(subject_id)s)",
                    name=known.name,
                    subject_id=known.subject_id,
                )
            else:
                self.row_error(
                    row,
                    "subject_name",
                    "the identifier belongs to %(name)r (an earlier row)",
                    name=known.name,
                )
            ok = False
        kind = reader.text("subject_kind")
        if kind and kind != known.kind:
            self.row_error(
                row,
                "subject_kind",
                "the identifier belongs to a %(subject_kind)s subject",
                subject_kind=known.kind,
            )
            ok = False
        return ok

    def case(self, reader: RowReader) -> CheckedCase | None:
        row = reader.number
        data = reader.case_input()
        if reader.errors:
            self.plan.errors.extend(reader.errors)
            return None
        try:
            checked = check_case(data)
            check_case_rules(checked, label=row)
        except InvalidValue as error:
            column = _INDEX_RE.sub("", error.field)
            self.row_error_of(row, column, error, error.reason.removeprefix(f"case {row}: "))
            return None
        document = (checked.authority, checked.document_number)
        if document in self.documents:
            self.row_error(
                row, "document_number", "repeats row %(row)s", row=self.documents[document]
            )
            return None
        self.documents[document] = row
        recorded = recorded_case_id(self.session, *document)
        if recorded is not None:
            self.row_error(
                row, "document_number", "is already recorded as case %(case_id)s", case_id=recorded
            )
            return None
        return checked

    def person(
        self, row: int, values: dict[str, str], subject: PlannedSubject
    ) -> tuple[bool, CheckedPerson | None]:
        """Whether the row's person columns are right, and the person if not met before."""
        person, errors = row_person(row, values)
        self.plan.errors.extend(errors)
        if errors:
            return False, None
        if person is None:
            return True, None
        if subject.kind == "natural_person":
            self.row_error(row, "person_role", "a natural person has no responsible persons")
            return False, None
        key = (subject, person_key(person))
        if key in self.persons or (
            subject.subject_id is not None and recorded(self.session, subject.subject_id, person)
        ):
            return True, None
        self.persons.add(key)
        return True, person

    def check(self, row: int, values: dict[str, str]) -> None:
        reader = RowReader(row, values)
        subject = self.subject(reader)
        case = self.case(reader)
        if subject is None:
            return
        person_ok, person = self.person(row, values, subject)
        if case is not None and person_ok:
            self.plan.cases.append(PlannedCase(row, subject, case, person))


def _require_clerk(actor: Actor) -> None:
    actor.require("subject.record")
    actor.require("case.record")


def plan_import(
    session: Session, actor: Actor, cases_file: CasesFile, progress: Progress | None = None
) -> ImportPlan:
    """Check every row of the file and collect every error; nothing is written."""
    _require_clerk(actor)
    plan = ImportPlan(cases_file.sha256, cases_file.data_rows, errors=list(cases_file.errors))
    if not cases_file.header_is_valid:
        return plan  # without the right columns every row would only repeat the header's errors
    planner = _Planner(session, plan)
    for row, values in cases_file.rows:
        planner.check(row, values)
        if progress is not None:
            progress(1)
    plan.errors.sort(key=lambda error: error.row)
    return plan


def apply_import(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    dry_run: bool = False,
    progress: Progress | None = None,
    skip_bad_rows: bool = False,
) -> ImportReport:
    """Insert every planned row in one transaction; with any error, or in a dry run, nothing.

    With `skip_bad_rows` the rows without errors are imported and every bad row is reported;
    a file whose header is wrong is still refused whole (no row was planned from it).
    """
    _require_clerk(actor)
    skipping = skip_bad_rows and bool(plan.errors) and bool(plan.cases)
    if plan.errors and not skipping:
        return ImportReport(plan.rows, 0, 0, tuple(plan.errors), dry_run)
    skipped = tuple(plan.errors) if skipping else ()
    if dry_run:
        return ImportReport(plan.rows, len(plan.cases), plan.new_subjects, skipped, True, skipping)
    created: dict[PlannedSubject, int] = {}
    row, column = 0, ""
    try:
        with atomic(session):
            for planned in plan.cases:
                row, subject = planned.row, planned.subject
                subject_id = subject.subject_id or created.get(subject)
                if subject_id is None:
                    column = "subject_id_value"
                    subject_id = add_subject(session, actor, subject.fields, subject.identifiers).id
                    created[subject] = subject_id
                column = "document_number"
                add_case(session, actor, subject_id, planned.case)
                if planned.person is not None:
                    column = "person_id_value"
                    add_person(session, actor, session.get_one(Subject, subject_id), planned.person)
                if progress is not None:
                    progress(1)
            audit.record(
                session,
                actor=actor.name,
                action="case.import",
                object_type="import",
                object_id=plan.sha256[:16],
                after={
                    "sha256": plan.sha256,
                    "cases": len(plan.cases),
                    "subjects": len(created),
                    "skipped_rows": sorted({error.row for error in skipped}),
                },
            )
    except DomainError as error:
        # Someone recorded the same subject or document between the check and the import.
        if isinstance(error, InvalidValue):
            column = _INDEX_RE.sub("", error.field)
        return ImportReport(plan.rows, 0, 0, (row_error_of(row, column, error),))
    except IntegrityError:
        refused = row_error(
            row,
            column,
            "was recorded by someone else during the import; nothing was imported, retry",
        )
        return ImportReport(plan.rows, 0, 0, (refused,))
    return ImportReport(
        plan.rows, len(plan.cases), len(created), skipped, skipped_bad_rows=skipping
    )


def import_cases(
    session: Session,
    actor: Actor,
    data: bytes,
    limits: ImportLimits | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
) -> ImportReport:
    """Read, check and (unless `dry_run` or any row is wrong) import a cases CSV file."""
    plan = plan_import(session, actor, read_cases_file(data, limits))
    return apply_import(session, actor, plan, dry_run, skip_bad_rows=skip_bad_rows)
