"""Plain-language, translated labels for the codes that appear in published entries."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

GROUND_TITLES: Mapping[str, LazyString] = {
    "repeat_infringement": _l("Repeat infringement"),
    "deliberate_infringement": _l("Deliberate infringement"),
    "refusal_to_perform": _l("Refusal to perform a decision"),
    "agency_violation": _l("Serious violation in patent agency"),
    "certificate_lending": _l("Lending a patent attorney certificate"),
    "abnormal_application": _l("Abnormal patent applications"),
    "false_documents": _l("Submitting false documents"),
}

GROUND_EXPLANATIONS: Mapping[str, LazyString] = {
    "repeat_infringement": _l(
        "The subject infringed patents again after an earlier decision finding infringement "
        "had become final."
    ),
    "deliberate_infringement": _l(
        "A final decision found that the subject infringed deliberately: wilful infringement, "
        "or punitive damages were awarded."
    ),
    "refusal_to_perform": _l(
        "The subject was able to comply with a final ruling or penalty but refused to do so "
        "by the deadline."
    ),
}

SECTORS: Mapping[str, LazyString] = {
    "food_drug": _l("Food and drugs"),
    "environment": _l("Environment"),
    "production_safety": _l("Production safety"),
    "internet": _l("Internet"),
    "exhibition": _l("Exhibitions"),
    "import_export": _l("Import and export"),
    "other": _l("Other sectors"),
}

SUBJECT_KINDS: Mapping[str, LazyString] = {
    "legal_person": _l("Enterprise (legal person)"),
    "natural_person": _l("Natural person"),
    "other_org": _l("Other organisation"),
}

CASE_KINDS: Mapping[str, LazyString] = {
    "administrative_ruling": _l("Administrative ruling on a patent infringement dispute"),
    "court_judgment": _l("Court judgment"),
    "administrative_penalty": _l("Administrative penalty"),
    "cnipa_determination": _l("Determination by CNIPA"),
    "provincial_determination": _l("Determination by a provincial intellectual property office"),
}

REASONS: Mapping[str, LazyString] = {
    "expired": _l("the listing period ended"),
    "credit_restored": _l("credit restored"),
    "basis_revoked": _l("the decision it was based on was revoked"),
    "correction": _l("correction"),
    "error": _l("listed in error"),
}

EVENTS: Mapping[str, LazyString] = {
    "listed": _l("Listing"),
    "amended": _l("Correction"),
    "removed": _l("Removal"),
}

FEED_FILES: Mapping[str, LazyString] = {
    "snapshot": _l("All current entries, signed (JSON Lines)"),
    "snapshot_csv": _l("All current entries as a spreadsheet (CSV)"),
    "ftm": _l("All current entries as FollowTheMoney entities"),
    "delta": _l("Changes since the previous version, with entry content (JSON Lines)"),
    "atom": _l("Latest listings and removals (Atom feed)"),
}

MATCH_FEATURES: Mapping[str, LazyString] = {
    "name": _l("the registered name"),
    "latin": _l("the name in Latin letters"),
    "alias": _l("another or former name"),
    "place_industry": _l("the place and industry words"),
}

ID_SCHEMES: Mapping[str, LazyString] = {
    "cn_uscc": _l("Unified social credit code"),
    "cn_ric": _l("Resident identity card number (masked)"),
    "hkmotw_residence": _l("Residence permit for Hong Kong, Macau and Taiwan residents (masked)"),
    "hkmo_permit": _l("Mainland travel permit for Hong Kong and Macau residents (masked)"),
    "tw_permit": _l("Mainland travel permit for Taiwan residents (masked)"),
    "foreign_pr": _l("Foreigner's permanent residence ID (masked)"),
    "passport": _l("Passport number (masked)"),
    "other": _l("Registration number"),
}


def N_(text: str) -> str:  # the gettext convention: marked for extraction, translated later
    """Mark `text` for the translation catalogue without translating it now."""
    return text


# The workflow's default measures and remedy (registry/workflow.py) are English free text;
# these exact wordings are translated, anything an authority wrote itself is shown as written.
KNOWN_WORDINGS: frozenset[str] = frozenset(
    {
        N_("restricted access to government procurement"),
        N_("stricter review of credit applications"),
        N_("suspension of fiscal subsidies and honours"),
        N_(
            "An objection or a correction request may be lodged with the deciding authority at "
            "any time; it is decided within 15 days. Credit restoration may be applied for one "
            "year after listing, once the decision has been performed."
        ),
    }
)

UNKNOWN_PROVINCE = _l("Province not given")


def label(table: Mapping[str, LazyString], code: str | None) -> str:
    """The translated label for `code`, or the code itself when the table does not know it."""
    if code is None:
        return ""
    known = table.get(code)
    return str(known) if known is not None else code


def wording(text: str | None) -> str:
    """Free text from an entry, translated when it is one of the known standard wordings."""
    if not text:
        return ""
    return gettext(text) if text in KNOWN_WORDINGS else text
