"""Support code for the generated types: decoding and encoding hooks.

msgspec decodes closed objects (``Struct``), tagged unions, lists, maps and scalars natively.  Two
shapes need help, and this module provides it through msgspec's ``dec_hook``/``enc_hook``:

* **open objects** (:class:`OpenObject`): objects that keep unknown keys in
  ``additional_properties`` instead of dropping them;
* **unions msgspec cannot decode alone** (:class:`UnionHook`): unions of several objects told
  apart by a tag or by which keys are present, and recursive aliases.

Always go through :func:`decode`, :func:`convert` and :func:`encode` (or pass
``dec_hook=dec_hook``/``enc_hook=enc_hook`` to msgspec yourself).

Validation: every generated type is checked against its whole schema (``_validators.py``, one
function per schema location).  ``decode``/``convert`` take a *fast path* (msgspec's typed decode
alone) for the types whose msgspec type accepts nothing the schema rejects (``EXACT``); when it
rejects a value, or for every other type, the value is decoded to builtins, validated, then
converted (``1.0`` is accepted for an integer, as JSON Schema says).  Every rejection is a
:class:`ValidationError` carrying the instance pointer, the keyword and the schema location.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import sys
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, ClassVar, TypeVar, overload

import msgspec
from msgspec import UNSET, UnsetType

T = TypeVar("T")

__all__ = [
    "UNSET",
    "OpenObject",
    "UnionHook",
    "UnsetType",
    "ValidationError",
    "convert",
    "dec_hook",
    "decode",
    "enc_hook",
    "encode",
    "exact",
    "is_valid",
    "to_builtins",
    "validate",
]

REQUIRED: Any = msgspec.NODEFAULT


class OpenObject:
    """Base of objects that keep keys their schema does not name (``additional_properties``)."""

    __slots__ = ("additional_properties",)
    __stepflow_fields__: ClassVar[tuple[tuple[str, str, Any, bool], ...]] = ()
    """(attribute, wire name, default or REQUIRED, omit when equal to the default) per declared property."""
    __stepflow_known__: ClassVar[Any] = None
    __stepflow_extra_type__: ClassVar[Any] = None
    __stepflow_wire__: ClassVar[frozenset[str]] = frozenset()
    __stepflow_closed__: ClassVar[bool] = False
    """A closed object that needs this class only for its defaults: unknown keys are rejected."""
    additional_properties: dict[str, Any]

    @classmethod
    def _stepflow_prepare(cls) -> Any:
        known = cls.__dict__.get("__stepflow_known__")
        if known is None:
            ns = vars(sys.modules[cls.__module__])
            hints = {
                # eval: the class's own annotations, names generated in its module
                k: (eval(v, ns) if isinstance(v, str) else v)
                for k, v in inspect.get_annotations(cls).items()
            }
            spec = []
            for attr, wire, default, _ in cls.__stepflow_fields__:
                if default is REQUIRED:
                    spec.append((attr, hints[attr], msgspec.field(name=wire)))
                elif isinstance(default, (list, dict)):
                    make = (
                        _builder(default, hints[attr])
                        if _holds_object(default)
                        else _copier(default)
                    )
                    spec.append(
                        (
                            attr,
                            hints[attr],
                            msgspec.field(name=wire, default_factory=make),
                        )
                    )
                else:
                    spec.append(
                        (attr, hints[attr], msgspec.field(name=wire, default=default))
                    )
            known = msgspec.defstruct(
                cls.__name__,
                spec,
                kw_only=True,
                module=cls.__module__,
                forbid_unknown_fields=cls.__stepflow_closed__,
            )
            cls.__stepflow_known__ = known
            cls.__stepflow_wire__ = frozenset(f[1] for f in cls.__stepflow_fields__)
            extra = hints.get("additional_properties", dict[str, Any])
            cls.__stepflow_extra_type__ = None if extra == dict[str, Any] else extra
        return known

    @classmethod
    def _stepflow_decode(cls, obj: Any, strict: bool = True) -> Any:
        if not isinstance(obj, dict):
            raise msgspec.ValidationError(f"Expected `object`, got `{_json_kind(obj)}`")
        hook = dec_hook if strict else _lenient_hook
        known = msgspec.convert(
            obj, cls._stepflow_prepare(), strict=strict, dec_hook=hook
        )
        wire = cls.__stepflow_wire__
        extra = {k: v for k, v in obj.items() if k not in wire}
        if cls.__stepflow_extra_type__ is not None and extra:
            extra = msgspec.convert(
                extra, cls.__stepflow_extra_type__, strict=strict, dec_hook=hook
            )
        self = cls.__new__(cls)
        for field in cls.__stepflow_fields__:
            object.__setattr__(self, field[0], getattr(known, field[0]))
        object.__setattr__(self, "additional_properties", extra)
        return self

    def _stepflow_encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, wire, default, omit in self.__stepflow_fields__:
            value = getattr(self, attr)
            if value is UNSET or (omit and _is_default(value, default)):
                continue
            out[wire] = value
        for key, value in self.additional_properties.items():
            if key in out:
                raise ValueError(
                    f"additional property {key!r} clashes with a declared property"
                )
            out[key] = value
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            getattr(self, f[0]) == getattr(other, f[0])
            for f in self.__stepflow_fields__
        ) and (self.additional_properties == other.additional_properties)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = [
            f"{f[0]}={getattr(self, f[0])!r}"
            for f in self.__stepflow_fields__
            if getattr(self, f[0]) is not UNSET
        ]
        if self.additional_properties:
            parts.append(f"additional_properties={self.additional_properties!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _matches(obj: Any, tp: Any) -> bool:
    """Whether ``obj`` is a value of the type expression ``tp`` (shallow: containers by their class)."""
    if tp is Any:
        return True
    if tp is None or tp is type(None):
        return obj is None
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _matches(obj, typing.get_args(tp)[0])
    if origin is typing.Literal:
        return obj in typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        return any(_matches(obj, t) for t in typing.get_args(tp))
    cls = origin if origin is not None else tp
    return isinstance(cls, type) and isinstance(obj, cls)


class _UnionMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        types = cls._stepflow_types()  # type: ignore[attr-defined]
        return any(_matches(obj, t) for t in types)


class UnionHook(metaclass=_UnionMeta):
    """Runtime stand-in for a union msgspec cannot decode by itself (type checkers see the union).

    ``isinstance(value, Hook)`` is true for a value of any of its variants.
    """

    __slots__ = ()
    __stepflow_variants__: ClassVar[tuple[str, ...]] = ()
    """Python type expressions of the variants, evaluated lazily in the defining module."""
    __stepflow_kinds__: ClassVar[tuple[frozenset[str], ...]] = ()
    """For each variant, the JSON kinds it can accept (object, array, string, integer, number, boolean, null)."""
    __stepflow_tag__: ClassVar[tuple[str, dict[Any, int]] | None] = None
    __stepflow_presence__: ClassVar[
        tuple[tuple[frozenset[str], frozenset[str] | None], ...] | None
    ] = None
    __stepflow_resolved__: ClassVar[tuple[Any, ...] | None] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{cls.__name__} is a union type; construct one of its variants"
        )

    @classmethod
    def _stepflow_types(cls) -> tuple[Any, ...]:
        resolved = cls.__dict__.get("__stepflow_resolved__")
        if resolved is None:
            ns = vars(sys.modules[cls.__module__])
            # eval: the variants' names, generated in the union's module
            resolved = tuple(eval(expr, ns) for expr in cls.__stepflow_variants__)
            cls.__stepflow_resolved__ = resolved
        return resolved

    @classmethod
    def _stepflow_decode(cls, obj: Any, strict: bool = True) -> Any:
        variants = cls._stepflow_types()
        kind = _json_kind(obj)
        hook = dec_hook if strict else _lenient_hook
        if cls.__stepflow_tag__ is not None and isinstance(obj, dict):
            prop, table = cls.__stepflow_tag__
            if prop not in obj:
                raise msgspec.ValidationError(f"Object missing required field `{prop}`")
            index = table.get(obj[prop]) if isinstance(obj[prop], (str, int)) else None
            if index is None:
                raise msgspec.ValidationError(
                    f"Invalid value {obj[prop]!r} for `{prop}`"
                )
            return msgspec.convert(obj, variants[index], strict=strict, dec_hook=hook)
        candidates = [
            i
            for i, kinds in enumerate(cls.__stepflow_kinds__)
            if kind in kinds
            or (kind == "integer" and "number" in kinds)
            or (not strict and kind == "number" and "integer" in kinds)
        ]
        if cls.__stepflow_presence__ is not None and isinstance(obj, dict):
            keys = obj.keys()
            candidates = [
                i
                for i in candidates
                if cls.__stepflow_presence__[i][0] <= keys
                and (cls.__stepflow_presence__[i][1] is None or keys <= cls.__stepflow_presence__[i][1])  # type: ignore[operator]
            ]
        errors = []
        for i in candidates:
            try:
                return msgspec.convert(obj, variants[i], strict=strict, dec_hook=hook)
            except msgspec.ValidationError as e:
                errors.append(str(e))
        if not candidates:
            raise msgspec.ValidationError(
                f"`{kind}` value matches no variant of {cls.__name__}"
            )
        raise msgspec.ValidationError(
            f"value matches no variant of {cls.__name__}: " + "; ".join(errors)
        )


_struct_defaults: dict[type, tuple[tuple[str, Any], ...]] = {}


def use_defaults(obj: Any) -> None:
    """``__post_init__`` of structs that omit defaults: a field equal to its default is made the
    default object itself, because msgspec's ``omit_defaults`` compares by identity."""
    cls = type(obj)
    fields = _struct_defaults.get(cls)
    if fields is None:
        fields = tuple(
            (f.name, f.default)
            for f in msgspec.structs.fields(cls)
            if f.default is not msgspec.NODEFAULT and f.default is not UNSET
        )
        _struct_defaults[cls] = fields
    for name, default in fields:
        value = getattr(obj, name)
        if value is not default and same_json(value, default):
            setattr(obj, name, default)


def same_json(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same JSON value, types included.

    ``1`` is not ``true``, ``0`` is not ``false`` or ``0.0``, ``0.0`` is not ``-0.0``
    (Python's ``==`` says they are).
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    return bool(a == b)


def _copier(value: Any) -> Any:
    return lambda: copy.deepcopy(value)


def _holds_object(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_object(x) for x in value)


def default_of(value: Any, tp: type[T]) -> T:
    """A schema default holding objects, as a value of ``tp``: decoded from its JSON as a document
    is (a fresh value each call; nested defaults applied)."""
    return msgspec.convert(copy.deepcopy(value), tp, dec_hook=dec_hook)


def _builder(value: Any, tp: Any) -> Any:
    return lambda: default_of(value, tp)


def _is_default(value: Any, default: Any) -> bool:
    """Whether ``value`` equals the field's default as a JSON value (a default holding objects is
    compared with the value's JSON form)."""
    if same_json(value, default):
        return True
    if _holds_object(default):
        return same_json(msgspec.to_builtins(value, enc_hook=enc_hook), default)
    return False


def _json_kind(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "boolean"
    if isinstance(obj, int):
        return "integer"
    if isinstance(obj, float):
        return "number"
    if isinstance(obj, str):
        return "string"
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, dict):
        return "object"
    return type(obj).__name__


def dec_hook(type: Any, obj: Any) -> Any:
    """msgspec ``dec_hook`` for the generated types."""
    if isinstance(type, typing.TypeVar):  # pragma: no cover
        raise NotImplementedError
    if isinstance(type, builtin_type) and issubclass(type, (OpenObject, UnionHook)):
        return type._stepflow_decode(obj)
    raise NotImplementedError(f"type {type!r} is not supported")


def _lenient_hook(type: Any, obj: Any) -> Any:
    """``dec_hook`` of the conversion after validation (``strict=False``: ``1.0`` for an int)."""
    if isinstance(type, builtin_type) and issubclass(type, (OpenObject, UnionHook)):
        return type._stepflow_decode(obj, False)
    raise NotImplementedError(f"type {type!r} is not supported")


def enc_hook(obj: Any) -> Any:
    """msgspec ``enc_hook`` for the generated types."""
    if isinstance(obj, OpenObject):
        return obj._stepflow_encode()
    raise NotImplementedError(f"objects of type {type(obj).__name__} are not supported")


# --------------------------------------------------------------------------- validation


class ValidationError(msgspec.ValidationError):
    """A value the schema rejects: where (``pointer``), why (``keyword``) and which schema location.

    A ``msgspec.ValidationError`` (so a ``ValueError``) like the errors of msgspec itself.
    """

    def __init__(
        self, message: str, pointer: str = "", keyword: str = "", schema: str = ""
    ) -> None:
        super().__init__(message)
        self.pointer = pointer
        """The JSON pointer of the failing part of the instance (``""``: the whole value)."""
        self.keyword = keyword
        """The schema keyword that failed (``"type"``, ``"required"``, ``"depth"``...)."""
        self.schema = schema
        """The schema location (``file#pointer``) holding that keyword."""


class Named:
    """The marker that makes a generated alias its own type object (``Annotated[str, Named("Id")]``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Named({self.name!r})"


class Fail:
    """What a generated validator returns on failure (None means valid)."""

    __slots__ = ("keyword", "node", "path")

    def __init__(self, node: int, keyword: str) -> None:
        self.node = node
        self.keyword = keyword
        self.path: list[str | int] = []
        """Instance path, innermost token first (appended while the failure propagates)."""

    def at(self, token: str | int) -> Fail:
        self.path.append(token)
        return self

    def pointer(self) -> str:
        return "".join(
            "/" + str(t).replace("~", "~0").replace("/", "~1")
            for t in reversed(self.path)
        )


class Seen:
    """The keys and indices a schema evaluated (for ``unevaluated*``)."""

    __slots__ = ("items", "props")

    def __init__(self) -> None:
        self.props: set[str] = set()
        self.items: set[int] = set()

    def merge(self, other: Seen) -> None:
        self.props |= other.props
        self.items |= other.items


Validator = Callable[..., "Fail | None"]


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (``1 == 1.0``), booleans are not numbers."""
    ta, tb = builtin_type(a), builtin_type(b)
    if ta is bool or tb is bool or a is None or b is None:
        return a is b
    if ta in (int, float):
        return tb in (int, float) and bool(a == b)
    if ta is not tb:
        return False
    if ta is list:
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if ta is dict:
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def json_in(x: Any, values: tuple[Any, ...]) -> bool:
    return any(json_equal(x, v) for v in values)


def _key(x: Any) -> Any:
    """A hashable key equal for JSON-equal values only."""
    t = builtin_type(x)
    if t is bool or x is None:
        return (t, x)
    if t is int or t is float:
        return (int, x)
    if t is list:
        return (list, tuple(_key(y) for y in x))
    if t is dict:
        return (dict, frozenset((k, _key(v)) for k, v in x.items()))
    return (t, x)


def duplicate(items: list[Any]) -> int | None:
    """The first index whose item JSON-equals an earlier one (``uniqueItems``), or None."""
    seen: set[Any] = set()
    for i, x in enumerate(items):
        k = _key(x)
        if k in seen:
            return i
        seen.add(k)
    return None


def _decimal(x: float) -> Decimal:
    return Decimal(x) if builtin_type(x) is int else Decimal(repr(x))


def is_multiple(x: float, m: float) -> bool:
    """``multipleOf``, exact for the decimals the numbers were written as."""
    if builtin_type(x) is int and builtin_type(m) is int:
        return x % m == 0
    try:
        with localcontext() as ctx:
            ctx.prec = 2000
            q = _decimal(x) / _decimal(m)
            return bool(q == q.to_integral_value())
    except (InvalidOperation, OverflowError):
        return False


_checks: dict[Any, tuple[Validator, bool]] = {}
"""Generated type -> (its validator, whether its typed decode is exact)."""
_ambiguous: set[Any] = set()
_schema: dict[int, str] = {}


def register(
    namespace: dict[str, Any],
    validators: dict[str, Validator],
    exact: frozenset[str],
    schema: dict[int, str],
) -> None:
    """Bind the validators of ``_validators.py`` to the types of ``namespace`` (types.py).

    A type object two names share (two aliases of ``str``) or a builtin stays unvalidated.
    """
    _schema.update(schema)
    for name, check in validators.items():
        tp = namespace.get(name)
        if tp is None or tp in _ambiguous:
            continue
        if tp in (str, int, float, bool, list, dict, Any, None) or (
            tp in _checks and _checks[tp][0] is not check
        ):
            _checks.pop(tp, None)
            _ambiguous.add(tp)
            continue
        _checks[tp] = (check, name in exact)


def _error(f: Fail) -> ValidationError:
    pointer = f.pointer()
    schema = _schema.get(f.node, "")
    if f.keyword == "false" and f.path and schema.endswith("/additionalProperties"):
        at = pointer.rsplit("/", 1)[0] or "/"
        message = f"Object contains unknown field `{f.path[0]}` - at `{at}` ({schema})"
    else:
        message = f"Invalid value at `{pointer or '/'}`: `{f.keyword}` fails ({schema})"
    return ValidationError(message, pointer, f.keyword, schema)


_MSGSPEC_PATH = re.compile(r" - at `\$((?:\.[^.\[`]+|\[\d+\])*)`$")


def _wrap(e: msgspec.ValidationError) -> ValidationError:
    """msgspec's error for a type without a validator, as a :class:`ValidationError`."""
    if isinstance(e, ValidationError):
        return e
    text = str(e)
    m = _MSGSPEC_PATH.search(text)
    pointer = ""
    if m is not None:
        for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", m.group(1)):
            token = part[0] or part[1]
            pointer += "/" + token.replace("~", "~0").replace("/", "~1")
    return ValidationError(text, pointer, "type", "")


def _too_deep() -> ValidationError:
    return ValidationError("Invalid value: nested too deeply", "", "depth", "")


def _check(obj: Any, check: Validator) -> None:
    try:
        f = check(obj)
    except RecursionError:
        raise _too_deep() from None
    if f is not None:
        raise _error(f)


def _checked(obj: Any, tp: Any, check: Validator) -> Any:
    """The slow path: validate builtins, then convert them to the type."""
    _check(obj, check)
    try:
        try:
            return msgspec.convert(obj, tp, strict=False, dec_hook=_lenient_hook)
        except msgspec.ValidationError as e:
            error = e
        # ``1.0`` where an enum member, a literal or a tag is ``1``: equal JSON values
        plain = _integral(obj)
        if plain is not obj:
            try:
                return msgspec.convert(plain, tp, strict=False, dec_hook=_lenient_hook)
            except msgspec.ValidationError:
                pass
    except RecursionError:
        raise _too_deep() from None
    raise ValidationError(
        f"{error} (the schema accepts the value, its Python type does not)",
        "",
        "type",
    ) from None


def _integral(obj: Any) -> Any:
    """``obj`` with integral floats as ints (``obj`` itself when it has none)."""
    t = builtin_type(obj)
    if t is float:
        return int(obj) if obj.is_integer() else obj
    if t is list:
        items = [_integral(x) for x in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else items
    if t is dict:
        values = {k: _integral(v) for k, v in obj.items()}
        return obj if all(values[k] is v for k, v in obj.items()) else values
    return obj


builtin_type = type
_encoder = msgspec.json.Encoder(enc_hook=enc_hook)
_json = msgspec.json.Decoder()
_plans: dict[Any, tuple[msgspec.json.Decoder[Any], Any, Validator | None, bool]] = {}


def _require_tag(tp: Any) -> Any:
    """A tagged Struct decoded on its own must carry its tag, as inside its union.

    msgspec only checks the tag when it has to choose between variants, so pair the Struct with a
    variant no value can select.
    """
    config = getattr(tp, "__struct_config__", None)
    if config is None or config.tag_field is None:
        return tp
    tag = "\x00no-variant" if isinstance(config.tag, str) else -(2**62) + 7
    never = msgspec.defstruct("NoVariant", [], tag_field=config.tag_field, tag=tag)
    return typing.Union[tp, never]  # noqa: UP007 (runtime type objects)


def _plan(
    tp: Any,
) -> tuple[msgspec.json.Decoder[Any], Any, Validator | None, bool]:
    try:
        return _plans[tp]
    except KeyError:
        pass
    except TypeError:  # pragma: no cover - unhashable type expression
        return (
            msgspec.json.Decoder(_require_tag(tp), dec_hook=dec_hook),
            tp,
            None,
            True,
        )
    entry = _checks.get(tp)
    target = _require_tag(tp)
    plan = (
        msgspec.json.Decoder(target, dec_hook=dec_hook),
        target,
        None if entry is None else entry[0],
        True if entry is None else entry[1],
    )
    _plans[tp] = plan
    return plan


@overload
def decode(data: bytes | str, type: type[T]) -> T: ...
@overload
def decode(data: bytes | str, type: Any) -> Any: ...
def decode(data: bytes | str, type: Any) -> Any:
    """Decode JSON ``data`` into ``type`` (any generated type, or any type msgspec knows).

    Raises :class:`ValidationError` for a value the schema rejects (``msgspec.DecodeError`` for
    text that is not JSON).
    """
    decoder, target, check, fast = _plan(type)
    if fast:
        try:
            return decoder.decode(data)
        except msgspec.ValidationError as e:
            if check is None:
                raise _wrap(e) from None
        except RecursionError:
            raise _too_deep() from None
    assert check is not None
    try:
        obj = _json.decode(data)
    except RecursionError:
        raise _too_deep() from None
    return _checked(obj, target, check)


@overload
def convert(obj: Any, type: type[T]) -> T: ...
@overload
def convert(obj: Any, type: Any) -> Any: ...
def convert(obj: Any, type: Any) -> Any:
    """Convert already-parsed JSON (dicts, lists, scalars) into ``type``."""
    _, target, check, fast = _plan(type)
    if fast:
        try:
            return msgspec.convert(obj, target, dec_hook=dec_hook)
        except msgspec.ValidationError as e:
            if check is None:
                raise _wrap(e) from None
        except RecursionError:
            raise _too_deep() from None
    assert check is not None
    return _checked(_plain(obj), target, check)


def _plain(obj: Any) -> Any:
    try:
        return msgspec.to_builtins(obj, enc_hook=enc_hook)
    except RecursionError:
        raise _too_deep() from None


def exact(type: Any) -> bool:
    """Whether msgspec's typed decode of ``type`` alone accepts nothing its schema rejects."""
    return _plan(type)[3]


def validate(value: Any, type: Any) -> None:
    """Raise :class:`ValidationError` unless ``value`` (JSON-shaped data, or a value of a
    generated type) is valid for ``type``'s schema."""
    _, _target, check, _ = _plan(type)
    if check is None:
        convert(_plain(value), type)
        return
    _check(_plain(value), check)


def is_valid(value: Any, type: Any) -> bool:
    """Whether ``value`` is valid for ``type``'s schema (see :func:`validate`)."""
    try:
        validate(value, type)
    except msgspec.ValidationError:
        return False
    return True


def encode(value: Any) -> bytes:
    """Encode a generated value (or anything msgspec can encode) as compact JSON."""
    return _encoder.encode(value)


def to_builtins(value: Any) -> Any:
    """The JSON-shaped Python value (dicts, lists, scalars) of a generated value."""
    return msgspec.to_builtins(value, enc_hook=enc_hook)
