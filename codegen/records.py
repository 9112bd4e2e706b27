"""``dataclass``: ``dataclasses.dataclass`` without compiling its methods at import.

``dataclasses`` writes the source of ``__init__``, ``__repr__``, ``__eq__`` (and for a frozen
class ``__hash__``, ``__setattr__``, ``__delattr__``; with ``order=True`` four comparisons) for
every class and compiles each one when the module is imported.  A protocol run imported 62
dataclasses (29 of them the IR's): nearly 300 ``compile`` calls, the largest part of our own
modules' import time.
A class made by this decorator is the same dataclass to every user:

* ``dataclasses.fields``/``replace``/``asdict``/``is_dataclass`` work (the class carries real
  ``dataclasses.Field`` objects and the ``__dataclass_params__`` of ``@dataclass`` with the same
  arguments);
* equality, ordering, hashing (the same hash values: ``hash`` of the tuple of the compared
  fields), ``repr``, ``__match_args__`` and, for ``frozen=True``, the refusal to assign or delete a
  field (``FrozenInstanceError``) behave as ``dataclasses.dataclass``'s; methods the class body
  defines itself are kept, as ``dataclasses`` keeps them;
* ``__init__`` does what the code ``dataclasses`` writes does (the same parameters, defaults,
  factories and ``__post_init__`` call), compiled when the class is first instantiated: a run
  compiles the constructors of the classes it uses, once each, and nothing else (written to be
  quick to compile: see :func:`_compile_init`).

The other methods are shared functions (an ``operator.attrgetter`` per class gives the compared
fields as a tuple), so nothing else is compiled.  Only the arguments ``frozen`` and ``order`` are
accepted; a class using a dataclass feature this module does not reproduce (``ClassVar``,
``InitVar``, ``field(init=False)``, ``kw_only``, a dataclass base class) is handed to
``dataclasses.dataclass`` itself, so it is never subtly different.

Nor is ``dataclasses`` imported until something asks for it (it imports ``inspect``, ``ast``,
``dis`` and ``tokenize``: about a tenth of a protocol run).  :func:`field` makes a field of this
module's own (``dataclasses.field(...)`` in a class body works too), and a record's
``__dataclass_fields__``/``__dataclass_params__`` become the real ``dataclasses.Field`` objects and
parameters the first time they are read (by ``dataclasses.fields``, ``replace``, ``asdict``,
``is_dataclass``...).  :func:`replace` and :func:`field_names` do what ``dataclasses.replace`` and
``[f.name for f in dataclasses.fields(cls)]`` do, without importing it for a record.
"""

from __future__ import annotations

import sys
from _thread import get_ident
from collections.abc import Callable, Mapping
from operator import attrgetter
from types import FunctionType, MemberDescriptorType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar, dataclass_transform, overload

    T = TypeVar("T", bound=type)
    _V = TypeVar("_V")
else:  # typing is not imported at run time (about 2 ms of a protocol run): what the decorators do there

    def overload(f: Any) -> Any:
        return f

    def dataclass_transform(**_: Any) -> Any:
        return overload


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_NO_DEFAULT: Any = _Missing()
"""No default / no factory (``dataclasses.MISSING`` where a real field is made)."""
_PARAMS: dict[tuple[bool, bool], Any] = {}


class Field:
    """A field of a record before ``dataclasses`` is imported: what ``dataclasses.field`` takes."""

    __slots__ = ("compare", "default", "default_factory", "hash", "metadata", "name", "repr", "type")

    def __init__(self, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT, repr: bool = True,
                 hash: bool | None = None, compare: bool = True, metadata: Mapping[Any, Any] | None = None) -> None:
        if default is not _NO_DEFAULT and default_factory is not _NO_DEFAULT:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.metadata = metadata

    @classmethod
    def of(cls, real: Any) -> Field:
        """This module's field for a ``dataclasses.Field`` (``init=True``, not keyword-only)."""
        missing = sys.modules["dataclasses"].MISSING
        return cls(_NO_DEFAULT if real.default is missing else real.default,
                   _NO_DEFAULT if real.default_factory is missing else real.default_factory,
                   real.repr, real.hash, real.compare, dict(real.metadata) or None)

    def real(self) -> Any:
        """The ``dataclasses.Field`` ``dataclasses.dataclass`` would have made."""
        import dataclasses

        kw: dict[str, Any] = {"repr": self.repr, "hash": self.hash, "compare": self.compare, "metadata": self.metadata}
        if self.default is not _NO_DEFAULT:
            kw["default"] = self.default
        if self.default_factory is not _NO_DEFAULT:
            kw["default_factory"] = self.default_factory
        f = dataclasses.field(**kw)
        f.name = self.name
        f.type = self.type
        f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # the kind dataclasses.fields() lists
        f.kw_only = False  # type: ignore[assignment]  # as dataclasses resolves it (a dataclass subclass reads it)
        return f


@overload
def field(*, default: _V, repr: bool = True, hash: bool | None = None, compare: bool = True,
          metadata: Mapping[Any, Any] | None = None) -> _V: ...
@overload
def field(*, default_factory: Callable[[], _V], repr: bool = True, hash: bool | None = None, compare: bool = True,  # noqa: F811 (overloads)
          metadata: Mapping[Any, Any] | None = None) -> _V: ...
@overload
def field(*, repr: bool = True, hash: bool | None = None, compare: bool = True,  # noqa: F811 (overloads)
          metadata: Mapping[Any, Any] | None = None, init: bool = True, kw_only: bool = ...) -> Any: ...
def field(*, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT, repr: bool = True,  # noqa: F811 (overloads)
          hash: bool | None = None, compare: bool = True, metadata: Mapping[Any, Any] | None = None,
          init: bool = True, kw_only: Any = _NO_DEFAULT) -> Any:
    """``dataclasses.field``; ``init=False`` or ``kw_only`` give ``dataclasses.field``'s own (and the
    class is then made by ``dataclasses``)."""
    if init is not True or kw_only is not _NO_DEFAULT:
        import dataclasses

        kw: dict[str, Any] = {"repr": repr, "hash": hash, "compare": compare, "metadata": metadata, "init": init}
        if kw_only is not _NO_DEFAULT:
            kw["kw_only"] = kw_only
        if default is not _NO_DEFAULT:
            kw["default"] = default
        if default_factory is not _NO_DEFAULT:
            kw["default_factory"] = default_factory
        return dataclasses.field(**kw)
    return Field(default, default_factory, repr, hash, compare, metadata)


def _is_real_field(value: Any) -> bool:
    dataclasses = sys.modules.get("dataclasses")
    return dataclasses is not None and isinstance(value, dataclasses.Field)


def _params(frozen: bool, order: bool) -> Any:
    """The ``__dataclass_params__`` ``@dataclass(frozen=..., order=...)`` gives (made once, by dataclasses)."""
    key = (frozen, order)
    if key not in _PARAMS:
        import dataclasses

        try:  # Python 3.11's signature
            made = dataclasses._DataclassParams(True, True, True, order, False, frozen)  # type: ignore[attr-defined]
        except TypeError:  # later ones have more parameters: let dataclasses make it
            made = dataclasses.dataclass(frozen=frozen, order=order)(type("_Params", (), {})).__dataclass_params__  # type: ignore[attr-defined]
        _PARAMS[key] = made
    return _PARAMS[key]


class _Lazy:
    """``__dataclass_fields__`` or ``__dataclass_params__`` of a record: made (importing
    ``dataclasses``) when first read, then stored on the class in place of this descriptor."""

    __slots__ = ("cls", "frozen", "name", "order")

    def __init__(self, cls: type, name: str, frozen: bool, order: bool) -> None:
        self.cls, self.name, self.frozen, self.order = cls, name, frozen, order

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if self.name == "__dataclass_fields__":
            value: Any = {f.name: f.real() for f in self.cls.__dict__["__records_fields__"]}
        else:
            value = _params(self.frozen, self.order)
        type.__setattr__(self.cls, self.name, value)
        return value


def _frozen_error(message: str) -> Exception:
    import dataclasses

    return dataclasses.FrozenInstanceError(message)


@overload
def dataclass(cls: T, /) -> T: ...
@overload
def dataclass(*, frozen: bool = False, order: bool = False) -> Callable[[T], T]: ...  # noqa: F811 (overloads)
@dataclass_transform(field_specifiers=(field, Field))  # type checkers see a dataclass
def dataclass(cls: Any = None, /, *, frozen: bool = False, order: bool = False) -> Any:  # noqa: F811 (overloads)
    """``dataclasses.dataclass(cls, frozen=frozen, order=order)`` (see the module docstring)."""
    if cls is None:
        return lambda c: _make(c, frozen, order)
    return _make(cls, frozen, order)


def replace(obj: _V, /, **changes: Any) -> _V:
    """``dataclasses.replace(obj, **changes)``."""
    own = type(obj).__dict__.get("__records_fields__")
    if own is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    for f in own:
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def field_names(cls: type) -> tuple[str, ...]:
    """The names of ``dataclasses.fields(cls)``, in order."""
    own = cls.__dict__.get("__records_fields__")
    if own is None:
        import dataclasses

        return tuple(f.name for f in dataclasses.fields(cls))
    return tuple(f.name for f in own)


def _unsupported(cls: type, own: dict[str, Any]) -> bool:
    for base in cls.__mro__[1:]:
        if "__dataclass_fields__" in base.__dict__:
            return True
    dataclasses = sys.modules.get("dataclasses")
    for name, annotation in own.items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if "ClassVar" in text or "InitVar" in text or "KW_ONLY" in text:
            return True
        if dataclasses is not None:
            value = cls.__dict__.get(name, _NO_DEFAULT)
            if isinstance(value, dataclasses.Field) and (not value.init or value.kw_only is True):
                return True
    return "__slots__" in cls.__dict__


def _make(cls: T, frozen: bool, order: bool) -> T:
    own: dict[str, Any] = cls.__dict__.get("__annotations__", {})
    if _unsupported(cls, own):
        import dataclasses

        for name in own:  # this module's fields, as dataclasses' own
            value = cls.__dict__.get(name)
            if isinstance(value, Field):
                setattr(cls, name, value.real())
        return dataclasses.dataclass(cls, frozen=frozen, order=order)  # type: ignore[return-value]
    fields: dict[str, Field] = {}
    for name, annotation in own.items():
        value = getattr(cls, name, _NO_DEFAULT)  # as dataclasses reads it (a descriptor's __get__ gives it)
        if isinstance(value, Field):
            f = value
        elif _is_real_field(value):
            f = Field.of(value)
        else:
            f = Field(default=_NO_DEFAULT if isinstance(value, MemberDescriptorType) else value)
        if f.default is not _NO_DEFAULT and f.default.__class__.__hash__ is None:  # as dataclasses refuses them
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: use default_factory")
        f.name = name
        f.type = annotation
        if value is f or _is_real_field(value):  # as dataclasses does: a field() leaves its default, or nothing
            if f.default is not _NO_DEFAULT:
                setattr(cls, name, f.default)
            else:
                delattr(cls, name)
        fields[name] = f
    names = tuple(fields)
    seen_default = False
    for f in fields.values():
        if f.default is not _NO_DEFAULT or f.default_factory is not _NO_DEFAULT:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")

    cls.__records_fields__ = tuple(fields.values())  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _Lazy(cls, "__dataclass_fields__", frozen, order)  # type: ignore[attr-defined]
    cls.__dataclass_params__ = _Lazy(cls, "__dataclass_params__", frozen, order)  # type: ignore[attr-defined]
    compared = tuple(f.name for f in fields.values() if f.compare)
    hashed = tuple(f.name for f in fields.values() if (f.compare if f.hash is None else f.hash))
    shown = tuple(f.name for f in fields.values() if f.repr)
    key = _tuple_getter(compared)
    methods: dict[str, Any] = {}

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _compile_init(cls, fields, frozen)
        cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    methods["__init__"] = __init__

    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:  # with reprlib.recursive_repr's guard: "..." for a repr already running
        guard = (id(self), get_ident())
        if guard in running:
            return "..."
        running.add(guard)
        try:
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        finally:
            running.discard(guard)
        return f"{self.__class__.__qualname__}({inner})"

    methods["__repr__"] = __repr__

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    methods["__eq__"] = __eq__
    if order:
        methods.update(_order_methods(key))

    own_hash = cls.__dict__.get("__hash__", _NO_DEFAULT)
    explicit_hash = own_hash is not _NO_DEFAULT and not (own_hash is None and "__eq__" in cls.__dict__)
    if frozen:
        frozen_names = frozenset(names)

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in frozen_names:
                raise _frozen_error(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)  # type: ignore[misc, arg-type]

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in frozen_names:
                raise _frozen_error(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)  # type: ignore[misc, arg-type]

        for fn in (__setattr__, __delattr__):
            if fn.__name__ in cls.__dict__:
                raise TypeError(f"Cannot overwrite attribute {fn.__name__} in class {cls.__name__}")
            methods[fn.__name__] = fn

    for name, fn in methods.items():
        if name not in cls.__dict__:
            fn.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, fn)
    if not explicit_hash:
        if frozen:
            hash_key = _tuple_getter(hashed)

            def __hash__(self: Any) -> int:
                return hash(hash_key(self))

            __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
            cls.__hash__ = __hash__  # type: ignore[method-assign, assignment]
        else:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable and compared: unhashable, as dataclasses makes it
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = names  # type: ignore[attr-defined, misc]
    if getattr(cls, "__doc__", None) is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(names)})"
    return cls


def _order_methods(key: Any) -> dict[str, Any]:
    def __lt__(self: Any, other: Any) -> Any:
        return key(self) < key(other) if other.__class__ is self.__class__ else NotImplemented

    def __le__(self: Any, other: Any) -> Any:
        return key(self) <= key(other) if other.__class__ is self.__class__ else NotImplemented

    def __gt__(self: Any, other: Any) -> Any:
        return key(self) > key(other) if other.__class__ is self.__class__ else NotImplemented

    def __ge__(self: Any, other: Any) -> Any:
        return key(self) >= key(other) if other.__class__ is self.__class__ else NotImplemented

    return {"__lt__": __lt__, "__le__": __le__, "__gt__": __gt__, "__ge__": __ge__}


def _tuple_getter(names: tuple[str, ...]) -> Any:
    """``self -> (self.a, self.b, ...)``: a tuple for any number of names, as dataclasses compares."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return lambda self: ()


def _data_descriptor(cls: type, name: str) -> bool:
    """Whether the class attribute ``name`` (as stored, not what reading it gives) is a data descriptor."""
    for base in cls.__mro__:
        if name in base.__dict__:
            return hasattr(type(base.__dict__[name]), "__set__")
    return False


_FACTORY = object()
"""The parameter default of a field with a ``default_factory`` (dataclasses has its own marker)."""


def _init_source(cls: type, fields: dict[str, Field], frozen: bool) -> tuple[str, tuple[Any, ...] | None, dict[str, Any]]:
    """The source of ``cls``'s ``__init__`` (see :func:`_compile_init`), its ``__defaults__`` and
    the globals its code reads."""
    params = ["self"]
    defaults: list[Any] = []
    values: list[tuple[str, str]] = []
    env: dict[str, Any] = {"__setattr": object.__setattr__, "__FACTORY": _FACTORY}
    for i, f in enumerate(fields.values()):
        n = f.name
        params.append(n)
        value = n
        if f.default_factory is not _NO_DEFAULT:
            env[f"__factory_{i}"] = f.default_factory
            defaults.append(_FACTORY)
            value = f"__factory_{i}() if {n} is __FACTORY else {n}"
        elif f.default is not _NO_DEFAULT:
            defaults.append(f.default)
        values.append((n, value))
    if frozen and values and not any(_data_descriptor(cls, n) for n in fields):
        body = ["self.__dict__.update({" + ", ".join(f"{n!r}: {value}" for n, value in values) + "})"]
    elif frozen:
        body = [f"__setattr(self, {n!r}, {value})" for n, value in values]
    else:
        body = [f"self.{n} = {value}" for n, value in values]
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    if not body:
        body.append("pass")
    lines = "\n".join(f" {b}" for b in body)
    return f"def __init__({', '.join(params)}):\n{lines}\n", tuple(defaults) or None, env


_precompiled: dict[str, Any] | None = None


def _precompiled_init(source: str) -> Any:
    """The code object of ``source`` as compiled ahead of time (``codegen/_compiled/records.py``),
    or None.  Compiling is most of what a class's first instance costs (a protocol run compiles
    39 constructors: about 1.5 ms); loading the same code from that module's ``.pyc`` is a small
    fraction of it.  The table is keyed by the whole source, so a stale module is merely unused."""
    global _precompiled
    if _precompiled is None:
        try:
            from ._compiled.records import INITS
        except ImportError:  # pragma: no cover (a checkout without the generated module)
            INITS = {}
        _precompiled = INITS
    fn = _precompiled.get(source)
    return None if fn is None else fn.__code__


def _compile_init(cls: type, fields: dict[str, Field], frozen: bool) -> Any:
    """The ``__init__`` ``dataclasses`` writes for ``cls``: the same parameters, defaults, factories
    and ``__post_init__`` call.  Two things make it cheaper to compile (compiling is most of what
    the first instance of a class costs): the defaults are the function's ``__defaults__`` rather
    than expressions in its signature, and a frozen class's fields go into the instance dict in one
    update, which is what ``object.__setattr__`` does for each (no data descriptor of the class
    shadows a field: else the fields are set one by one, as ``dataclasses`` sets them).

    The constructors of the package's own records are compiled ahead of time
    (``python -m stepflow_codegen.records_compile`` writes ``codegen/_compiled/records.py``):
    the code object for the same source is taken from there, given this source's file name, name
    and first line, so it is the code ``compile`` would give; any other class is compiled here."""
    source, defaults, env = _init_source(cls, fields, frozen)
    name = f"<{cls.__qualname__}.__init__>"
    qualname = f"{cls.__qualname__}.__init__"
    code = _precompiled_init(source)
    if code is not None:
        code = code.replace(co_filename=name, co_name="__init__", co_qualname="__init__", co_firstlineno=1)
        init = FunctionType(code, env, "__init__", defaults)
    else:
        exec(compile(source, name, "exec"), env)  # noqa: S102 - our own source
        init = env.pop("__init__")
        init.__defaults__ = defaults
    init.__qualname__ = qualname
    return init
