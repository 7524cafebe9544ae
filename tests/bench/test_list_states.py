"""The list states benchmark: every step measured, and every moved state the whole replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import list_states
from bench.registry_data import prepare


def test_every_step_is_measured_and_the_moved_states_are_whole_ones(tmp_path: Path) -> None:
    prepare(tmp_path, 200, None, workers=1)
    result = list_states.measure(tmp_path, 200)
    assert result.same
    assert len(result.as_of_moved) == list_states.DAYS
    assert all(seconds > 0 for seconds in result.as_of_moved)
    assert result.first_state > 0 and result.as_of_whole > 0 and result.removal_whole > 0
    assert result.removal_moved > 0 and result.index_carried > 0 and result.index_whole > 0
    assert result.persons_moved > 0 and result.persons_whole > 0
    assert result.person_moved > 0 and result.person_whole > 0


def test_a_size_too_small_to_remove_from_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        list_states.main(["--sizes", "50"])
    assert "at least 160 entries" in capsys.readouterr().err
