"""A record behaves as the dataclass it stands for: each shape the package uses, made both ways, side by side."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from infisical_tokens.core import record as rec


def shapes(decorate: Callable[..., Any], field: Callable[..., Any]) -> dict[str, type]:
    """The same classes, made by ``decorate`` (``@dataclass(...)`` or ``@record(...)``) with its ``field``."""

    @decorate(frozen=True)
    class Frozen:
        name: str
        count: int = 0
        tags: list[str] = field(default_factory=list)
        secret: str = field(default="", repr=False)
        hook: Any = field(default=None, compare=False)

        def shown(self) -> str:
            return f"{self.name}:{self.count}"

    @decorate(frozen=False)
    class Mutable:
        value: int
        items: dict[str, int] = field(default_factory=dict)

    @decorate(frozen=False, eq=False)
    class Token:
        type: str
        prev: Any = None

    @decorate(frozen=True)
    class Empty:
        pass

    @decorate(frozen=True)
    class OwnRepr:
        a: int

        def __repr__(self) -> str:
            return "mine"

    return {"Frozen": Frozen, "Mutable": Mutable, "Token": Token, "Empty": Empty, "OwnRepr": OwnRepr}


DATA = shapes(dataclasses.dataclass, dataclasses.field)
RECORD = shapes(rec.record, rec.field)


def both(name: str, /, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    return DATA[name](*args, **kwargs), RECORD[name](*args, **kwargs)


def said(action: Callable[[], Any]) -> tuple[str, str]:
    """What ``action`` returns, or the type and words of what it raises (a TypeError's wording is Python's own)."""
    try:
        return ("value", repr(action()))
    except Exception as err:
        return (type(err).__name__ if not isinstance(err, AttributeError) else "AttributeError", "")


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("Frozen", ("a",), {}),
        ("Frozen", ("a", 2, ["x"]), {"secret": "s3cr3t"}),
        ("Frozen", (), {"name": "a", "hook": print}),
        ("Mutable", (1,), {}),
        ("Mutable", (), {"value": 1, "items": {"k": 2}}),
        ("Token", ("star",), {}),
        ("Empty", (), {}),
        ("OwnRepr", (1,), {}),
    ],
)
def test_made_the_same_way(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    data, record = both(name, *args, **kwargs)
    assert repr(record) == repr(data)
    assert [getattr(record, n) for n in record.__match_args__] == [getattr(data, n) for n in data.__match_args__]
    assert record.__match_args__ == data.__match_args__
    assert said(lambda: hash(record))[0] == said(lambda: hash(data))[0]  # unhashable alike
    if said(lambda: hash(data))[0] == "value" and name != "Token":  # Token: by identity, as eq=False leaves it
        assert hash(record) == hash(data)


def test_repr_names_the_class_and_leaves_out_what_it_must_not_show() -> None:
    data, record = both("Frozen", "a", secret="st.abc.def")
    assert repr(record) == "shapes.<locals>.Frozen(name='a', count=0, tags=[], hook=None)" == repr(data)
    assert "st.abc" not in repr(record)


@pytest.mark.parametrize(
    ("name", "left", "right"),
    [
        ("Frozen", ("a",), ("a",)),
        ("Frozen", ("a",), ("b",)),
        ("Frozen", ("a", 1), ("a", 2)),
        ("Frozen", ("a", 1, [], "", print), ("a", 1, [], "", len)),  # compare=False: the hooks differ, still equal
        ("Mutable", (1,), (1,)),
        ("Mutable", (1,), (2,)),
        ("Token", ("a",), ("a",)),  # eq=False: equal only to itself
        ("Empty", (), ()),
    ],
)
def test_equal_the_same_way(name: str, left: tuple[Any, ...], right: tuple[Any, ...]) -> None:
    assert (RECORD[name](*left) == RECORD[name](*right)) is (DATA[name](*left) == DATA[name](*right))
    assert (RECORD[name](*left) != RECORD[name](*right)) is (DATA[name](*left) != DATA[name](*right))
    record = RECORD[name](*left)
    assert record == record
    assert (record == DATA[name](*left)) is False  # another class, however alike


def test_a_frozen_record_refuses_change_as_a_dataclass_does() -> None:
    data, record = both("Frozen", "a")
    for target in (data, record):
        with pytest.raises(AttributeError, match="cannot assign to field 'name'"):
            target.name = "b"
        with pytest.raises(AttributeError, match="cannot delete field 'name'"):
            del target.name
    assert issubclass(rec.FrozenInstanceError, AttributeError)
    mutable = RECORD["Mutable"](1)
    mutable.value = 2
    assert mutable.value == 2


def test_defaults_are_made_anew_for_each_record() -> None:
    first, second = RECORD["Frozen"]("a"), RECORD["Frozen"]("b")
    first.tags.append("x")
    assert second.tags == [] and first.tags is not second.tags


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), (("a", 1, [], "", None, "extra"), {}), (("a",), {"nope": 1}), (("a",), {"name": "b"})],
)
def test_wrong_arguments_are_refused_alike(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert said(lambda: RECORD["Frozen"](*args, **kwargs))[0] == said(lambda: DATA["Frozen"](*args, **kwargs))[0]


def test_replace_copies_with_changes_as_dataclasses_replace_does() -> None:
    data, record = both("Frozen", "a", 1, ["t"], "s")
    assert repr(rec.replace(record, count=5)) == repr(dataclasses.replace(data, count=5))
    assert rec.replace(record, count=5).tags is record.tags  # a shallow copy, as dataclasses.replace makes
    with pytest.raises(TypeError, match="no field 'nope'"):
        rec.replace(record, nope=1)


def test_a_default_before_a_required_field_is_refused() -> None:
    class Wrong:
        __annotations__ = {"a": "int", "b": "int"}
        a = 1

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        rec.record(Wrong)


def test_an_offline_check_imports_no_dataclasses() -> None:
    """The point of records: the command line's engine loads neither ``dataclasses`` nor the ``inspect`` it needs."""
    code = (
        "import sys; from infisical_tokens.core import check, file_check, workflows, editor;"
        " print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
