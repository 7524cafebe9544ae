"""What a verification found: failures that name the file and say what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.ledger.checkpoint import Checkpoint

# Past this many problems in one file the rest are only counted: one bad key breaks them all.
MAX_FAILURES_PER_FILE = 20


@dataclass(frozen=True)
class Failure:
    """One check that did not pass: the file it concerns and the problem in plain words."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


@dataclass
class VerificationReport:
    """The outcome of verifying one feed; `ok` only when nothing failed."""

    location: str
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    checkpoint: Checkpoint | None = None
    checkpoint_note: str | None = None
    version: int | None = None
    suppressed: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.failures and not self.suppressed

    def fail(self, file: str, problem: str) -> None:
        """Record a failed check about `file`."""
        if sum(1 for failure in self.failures if failure.file == file) >= MAX_FAILURES_PER_FILE:
            self.suppressed[file] = self.suppressed.get(file, 0) + 1
            return
        self.failures.append(Failure(file, problem))

    def fail_at(self, position: int, file: str, problem: str) -> None:
        """Record a failed check about `file` as if when the report held `position` failures."""
        before = self.failures[:position]
        if sum(1 for failure in before if failure.file == file) >= MAX_FAILURES_PER_FILE:
            self.suppressed[file] = self.suppressed.get(file, 0) + 1
            return
        self.failures.insert(position, Failure(file, problem))

    def count(self, what: str, number: int = 1) -> None:
        """Add to the tally of things checked (shown in the summary)."""
        self.checked[what] = self.checked.get(what, 0) + number

    def problems(self) -> list[str]:
        """Every failure as a line of text, with the count of those left out."""
        lines = [str(failure) for failure in self.failures]
        lines += [f"{file}: {n} more problems not shown" for file, n in self.suppressed.items()]
        return lines

    def summary(self) -> str:
        """One line saying what was checked and whether it all held."""
        tally = ", ".join(f"{number} {what}" for what, number in self.checked.items())
        if self.ok:
            size = self.checkpoint.size if self.checkpoint else 0
            return f"feed verified: version {self.version}, log size {size}; checked {tally}"
        return f"feed verification FAILED: {len(self.problems())} problem(s); checked {tally}"
