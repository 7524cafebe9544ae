"""The deciding authority: the one configured body in whose name the registry lists subjects.

A listing decision is made by the authority operating the registry, never by the court or
office that decided a basis case, and it carries the document number that authority gave it.
The reviewer enters that number on approval; it must match the authority's configured pattern.
The shipped defaults describe a development and demonstration authority that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.errors import InvalidValue

DEMO_NAME = "演示知识产权局（开发演示用，非真实机关）"
DEMO_CODE = "DEMO"
DEMO_DOCUMENT_PATTERN = r"演示知信〔\d{4}〕\d{1,6}号"
DEMO_CONTACT = "演示知识产权局信用处（开发演示地址，不受理真实异议）"


@dataclass(frozen=True)
class DecisionAuthority:
    """Name, code, decision document number pattern and objection contact of the authority."""

    name: str = DEMO_NAME
    code: str = DEMO_CODE
    document_number_pattern: str = DEMO_DOCUMENT_PATTERN
    objection_contact: str = DEMO_CONTACT

    def __post_init__(self) -> None:
        # Errors name the setting each value comes from (REGISTRY_AUTHORITY_...).
        for setting, value in (
            ("authority_name", self.name),
            ("authority_code", self.code),
            ("authority_document_pattern", self.document_number_pattern),
            ("authority_objection_contact", self.objection_contact),
        ):
            if not value.strip():
                raise InvalidValue(setting, "must not be empty")
        try:
            re.compile(self.document_number_pattern)
        except re.error as error:
            raise InvalidValue(
                "authority_document_pattern",
                "is not a valid regular expression: %(error)s",
                error=error,
            ) from error

    @property
    def is_demo(self) -> bool:
        """True while the shipped development authority is in use."""
        return self.name == DEMO_NAME or self.code == DEMO_CODE

    def demo_document_number(self, year: int, serial: int) -> str:
        """A number in the demonstration authority's format (for the demo data and tests)."""
        return f"演示知信〔{year}〕{serial}号"

    def check_document_number(self, value: str | None) -> str:
        """The decision document number, stripped, if it matches the configured pattern."""
        number = (value or "").strip()
        if not number:
            raise InvalidValue(
                "document_number", "enter the decision document number issued by the authority"
            )
        if len(number) > 100:
            raise InvalidValue("document_number", "must be at most 100 characters")
        if re.fullmatch(self.document_number_pattern, number) is None:
            raise InvalidValue(
                "document_number",
                "%(number)r does not match the document number pattern of %(name)s "
                "(%(document_number_pattern)s)",
                number=number,
                name=self.name,
                document_number_pattern=self.document_number_pattern,
            )
        return number
