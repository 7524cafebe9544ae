"""A Layered mapping behaves as the dict it stands for, through any run of writes and moves."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from registry import layered
from registry.layered import Layered

KEYS = st.integers(0, 40)
WRITE = st.tuples(st.just("set"), KEYS, st.integers())
DELETE = st.tuples(st.just("del"), KEYS, st.none())
MOVE = st.tuples(st.just("move"), st.none(), st.none())
STEPS = st.lists(st.one_of(WRITE, DELETE, MOVE), max_size=120)


def _same(mapping: Layered[int, int], model: dict[int, int]) -> None:
    assert list(mapping) == list(model)
    assert list(mapping.items()) == list(model.items())
    assert list(mapping.values()) == list(model.values())
    assert list(mapping.keys()) == list(model.keys())
    assert len(mapping) == len(model) == len(mapping.items())
    assert mapping == model and model == mapping
    for key in range(41):
        assert (key in mapping) == (key in model)
        assert mapping.get(key) == model.get(key)


@settings(max_examples=300, deadline=None)
@given(start=st.dictionaries(KEYS, st.integers(), max_size=30), steps=STEPS)
def test_every_run_of_writes_deletes_and_moves_reads_as_the_dict(
    start: dict[int, int], steps: list[tuple[str, int | None, int | None]]
) -> None:
    mapping, model = Layered(start), dict(start)
    earlier: list[tuple[Layered[int, int], dict[int, int]]] = []
    for action, key, value in steps:
        if action == "set":
            assert key is not None and value is not None
            mapping[key] = value
            model[key] = value
        elif action == "del":
            assert key is not None
            if key in model:
                del mapping[key]
                del model[key]
            else:
                try:
                    del mapping[key]
                except KeyError:
                    pass
                else:
                    raise AssertionError(f"{key} deleted though absent")
        else:
            earlier.append((mapping, dict(model)))
            mapping = mapping.moved()
    _same(mapping, model)
    for kept, as_it_was in earlier:  # a mapping moved from is never written by the move
        _same(kept, as_it_was)


def test_a_move_copies_the_layer_and_folds_it_once_it_outgrows_its_share(monkeypatch) -> None:
    monkeypatch.setattr(layered, "FLATTEN_LEAST", 4)
    mapping: Layered[int, int] = Layered({number: number for number in range(64)})
    for number in range(4):
        mapping[number] = -number
    moved = mapping.moved()
    assert moved._base is mapping._base  # shared: only the four written were copied
    assert moved._over == {0: 0, 1: -1, 2: -2, 3: -3}
    moved[100] = 100
    folded = moved.moved()  # five written: past both 4 and 64 / 16
    assert folded._base is not mapping._base
    assert not folded._over and not folded._tail and not folded._gone
    assert list(folded.items()) == [
        *((n, -n) for n in range(4)),
        *((n, n) for n in range(4, 64)),
        (100, 100),
    ]


def test_a_key_deleted_then_written_again_goes_to_the_end_as_in_a_dict() -> None:
    mapping = Layered({"a": 1, "b": 2, "c": 3})
    del mapping["a"]
    mapping["a"] = 4
    assert list(mapping.items()) == [("b", 2), ("c", 3), ("a", 4)]
    assert mapping.keys() - {"b"} == {"a", "c"}
