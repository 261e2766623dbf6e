"""Records: the dataclasses this package needs, made at a fraction of ``@dataclass``'s cost.

``import dataclasses`` loads ``inspect`` (and ``ast``, ``dis``, ``tokenize``) and each ``@dataclass`` compiles six
methods one by one: together 40 ms of an offline ``check`` that does all its work in about 120. A record imports
nothing; it compares, hashes and shows its fields through ``attrgetter``, and compiles only its ``__init__``, the
first time one is made (most of a run's 44 record classes never are). What it makes is what ``@dataclass`` makes of
the forms used here (``frozen``, ``eq``, defaults, ``field(default_factory=..., repr=False, compare=False)``): the
same ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__match_args__`` and frozen assignment error.
``tests/test_record.py`` holds the two side by side. Type checkers read a record as a dataclass
(``dataclass_transform``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # Python 3.10 only needs the records, not the type checker's hint

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorator: decorator


T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (``dataclasses.FrozenInstanceError``'s message and base)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


class Field:
    """A field's options, as ``dataclasses.field`` takes them."""

    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool) -> None:
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(
    *, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING, repr: bool = True, compare: bool = True
) -> Any:
    """``dataclasses.field``: a default made anew for each record, a field left out of ``repr`` or of ``==``."""
    return Field(default, default_factory, repr, compare)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _build(cls: type[T], frozen: bool, eq: bool) -> type[T]:
    names = list(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063 - inspect is the import a record saves
    scope: dict[str, Any] = {"_MISSING": _MISSING, "_set": object.__setattr__}
    params, body, shown, compared = [], [], [], []
    for name in names:
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(value, _MISSING, True, True)
        if spec.default_factory is not _MISSING:
            scope[f"_factory_{name}"] = spec.default_factory
            params.append(f"{name}=_MISSING")
            value = f"_factory_{name}() if {name} is _MISSING else {name}"
        elif spec.default is not _MISSING:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
            value = name
        else:
            if params and params[-1].count("="):
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            value = name
        if isinstance(cls.__dict__.get(name), Field):
            if spec.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        body.append(f"  _set(self, {name!r}, {value})" if frozen else f"  self.{name} = {value}")
        if spec.repr:
            shown.append(name)
        if spec.compare:
            compared.append(name)
    source = "\n".join([f"def __init__(self, {', '.join(params)}):", *(body or ["  pass"])])
    qualname = cls.__qualname__

    def first_init(self: Any, *args: Any, **kwargs: Any) -> None:
        """Compiles the record's own ``__init__`` the first time one is made: most records of a run never are."""
        exec(source, scope)  # the source is made above from the class's own field names
        init = scope["__init__"]
        init.__qualname__ = f"{qualname}.__init__"
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    values = _values(compared)

    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(values(self) == values(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(values(self))

    made = {"__init__": first_init, "__repr__": __repr__}
    if eq:
        made.update({"__eq__": __eq__, "__hash__": __hash__} if frozen else {"__eq__": __eq__})
    for method, function in made.items():
        if method not in cls.__dict__:
            function.__qualname__ = f"{qualname}.{method}"
            type.__setattr__(cls, method, function)
    if eq and not frozen:
        cls.__hash__ = None  # type: ignore[assignment]  # as dataclasses: a mutable record equal by value
    if frozen:
        cls.__setattr__ = _frozen_setattr  # type: ignore[method-assign]
        cls.__delattr__ = _frozen_delattr  # type: ignore[method-assign]
    type.__setattr__(cls, "__match_args__", tuple(names))  # every field, in order: what replace copies too
    return cls


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields' values as a tuple, read at C speed (``dataclasses`` compares and hashes such tuples)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    return lambda record: ()


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = True, eq: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = True, eq: bool = True) -> Any:
    """``@dataclass(frozen=True)``, or with ``frozen=False`` / ``eq=False`` as ``@dataclass`` takes them."""
    if cls is None:
        return lambda c: _build(c, frozen, eq)
    return _build(cls, frozen, eq)


def replace(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace``: a copy of a record with some fields changed."""
    names: tuple[str, ...] = obj.__match_args__  # type: ignore[attr-defined]
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    return type(obj)(**{n: changes[n] if n in changes else getattr(obj, n) for n in names})
