"""`python -m bench.api_load --workers N`: the server's worker count, checked before any run."""

from __future__ import annotations

import pytest

from bench import api_load


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_a_server_without_workers_is_refused_before_anything_starts(
    workers: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[object] = []
    monkeypatch.setattr(api_load, "run", lambda *arguments: started.append(arguments) or [])
    with pytest.raises(SystemExit) as stopped:
        api_load.main(["--targets", "lookup", "--workers", workers])
    assert stopped.value.code == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert started == []


def test_the_worker_count_reaches_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[object, ...]] = []
    monkeypatch.setattr(api_load, "run", lambda *arguments: seen.append(arguments) or [])
    monkeypatch.setattr(api_load, "print_table", lambda rows: None)
    api_load.main(["--quick", "--targets", "lookup", "--workers", "4"])
    assert seen == [(True, frozenset({"lookup"}), 4)]
