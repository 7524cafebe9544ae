"""The steps a publication run reports, in the console reader's language.

The publisher reports its steps in English (they are also its log lines), and the progress
row keeps them so; the console words each known step for its reader, numbers kept. A step
not known here is shown as the publisher said it.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from api.text_marks import N_

# (the publisher's wording as a pattern with named numbers, the message for the catalogue)
_NUMBER = r"[\d,]+"
STEPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), message)
    for pattern, message in (
        ("applying due transitions", N_("applying due transitions")),
        ("signing the log checkpoint", N_("signing the log checkpoint")),
        ("asking the witnesses to cosign", N_("asking the witnesses to cosign")),
        (
            rf"writing log tiles \((?P<events>{_NUMBER}) events\)",
            N_("writing log tiles (%(events)s events)"),
        ),
        (
            rf"writing feed version (?P<version>{_NUMBER}) \(log size (?P<size>{_NUMBER})\)",
            N_("writing feed version %(version)s (log size %(size)s)"),
        ),
        (
            rf"no new log event: version (?P<version>{_NUMBER}) "
            rf"lists the files of (?P<head>{_NUMBER})",
            N_("no new log event: version %(version)s lists the files of version %(head)s"),
        ),
        (
            rf"pruned (?P<count>{_NUMBER}) old feed files",
            N_("pruned %(count)s old feed files"),
        ),
        ("writing the national platform export", N_("writing the national platform export")),
        ("writing the screening index", N_("writing the screening index")),
        (
            rf"screening index: (?P<done>{_NUMBER}) of (?P<total>{_NUMBER}) records",
            N_("screening index: %(done)s of %(total)s records"),
        ),
        (
            rf"screening index: (?P<done>{_NUMBER}) records",
            N_("screening index: %(done)s records"),
        ),
        (
            rf"screening index: sorting (?P<postings>{_NUMBER}) postings",
            N_("screening index: sorting %(postings)s postings"),
        ),
        (
            rf"screening index: parsed (?P<done>{_NUMBER}) of (?P<total>{_NUMBER}) names",
            N_("screening index: parsed %(done)s of %(total)s names"),
        ),
        (
            rf"screening index: kept, (?P<count>{_NUMBER}) changed entries screened from memory",
            N_("screening index: kept, %(count)s changed entries screened from memory"),
        ),
        (
            rf"screening index: written, (?P<records>{_NUMBER}) records "
            rf"\((?P<parsed>{_NUMBER}) names parsed\)",
            N_("screening index: written, %(records)s records (%(parsed)s names parsed)"),
        ),
        (
            rf"uploading (?P<count>{_NUMBER}) new feed objects to (?P<where>.+)",
            N_("uploading %(count)s new feed objects to %(where)s"),
        ),
    )
)


def shown_step(step: str) -> str:
    """One step as the console shows it, in the reader's language."""
    for pattern, message in STEPS:
        found = pattern.match(step)
        if found:
            shown: str = gettext(message, **found.groupdict())
            return shown
    return step


def shown_steps(steps: list[str]) -> list[str]:
    """Every step of a run as the console shows it."""
    return [shown_step(step) for step in steps]
