"""The reference implementation of the validation IR's semantics (see :mod:`.validation`).

An interpreter over :class:`~.validation.Validation`, written for clarity, not speed: the tests
run it against the official JSON Schema Test Suite and ``jsonschema`` to check the front end, and
the generated validators of every language are compared with it.  Generated code never uses it.
"""

from __future__ import annotations

import re

from ..records import dataclass, field
from . import formats, passes
from . import validation as v
from .model import MISSING

TYPE_CHECKING = False
if TYPE_CHECKING:
    from decimal import Decimal
    from typing import Any, Callable


@dataclass(frozen=True)
class Failure:
    """Where an instance failed: the instance's JSON pointer, the keyword, the schema location."""

    pointer: str
    keyword: str
    schema: str


@dataclass
class _Seen:
    props: set[str] = field(default_factory=set)
    items: set[int] = field(default_factory=set)

    def merge(self, other: _Seen) -> None:
        self.props |= other.props
        self.items |= other.items


def json_kind(x: Any) -> str:
    """The JSON kind of a parsed value, integers and fractions both ``number``."""
    kind = passes.json_kind(x)
    return "number" if kind == "integer" else kind


def json_equal(a: Any, b: Any) -> bool:
    ka, kb = json_kind(a), json_kind(b)
    if ka != kb:
        return False
    if ka == "array":
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if ka == "object":
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def is_integer(x: Any, strict: bool = False) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    return not strict and isinstance(x, float) and x.is_integer()


def _decimal(x: int | float) -> Decimal:
    from decimal import Decimal

    return Decimal(x) if isinstance(x, int) else Decimal(repr(x))


def is_multiple(x: int | float, m: int | float) -> bool:
    """Exact for the decimals the two numbers were written as (their shortest round-trip text)."""
    # imported here, not at the top: loading the _decimal extension costs a run ~4 ms it rarely needs
    from decimal import InvalidOperation, localcontext

    try:
        with localcontext() as ctx:
            ctx.prec = 2000
            q = _decimal(x) / _decimal(m)
            return q == q.to_integral_value()
    except (InvalidOperation, OverflowError):
        return False


def ecma_search(pattern: str) -> Callable[[str], bool]:
    """A search function for the ECMA-262 ``pattern`` (JSON Schema's regular expressions), in Python."""
    from ..analysis import ecma_regex

    t = ecma_regex.translate(pattern)
    if t.python is None:
        raise ValueError(f"pattern {pattern!r} cannot be matched in Python: {'; '.join(t.notes)}")
    compiled = re.compile(t.python)
    return lambda s: compiled.search(s) is not None


def _ptr(path: str, token: str | int) -> str:
    return path + "/" + str(token).replace("~", "~0").replace("/", "~1")


class Evaluator:
    def __init__(self, validation: v.Validation, max_depth: int = 400):
        self.v = validation
        self.max_depth = max_depth
        self._regex: dict[str, Callable[[str], bool]] = {}
        self._props: dict[int, dict[str, int]] = {}

    def search(self, pattern: str, s: str) -> bool:
        f = self._regex.get(pattern)
        if f is None:
            f = self._regex[pattern] = ecma_search(pattern)
        return f(s)

    def validate(self, node: int, instance: Any) -> Failure | None:
        return self._eval(node, instance, "", (), None, 0)

    def is_valid(self, node: int, instance: Any) -> bool:
        return self.validate(node, instance) is None

    # ------------------------------------------------------------------------------------------
    def _eval(self, nid: int, x: Any, path: str, scope: tuple[int, ...], out: _Seen | None, depth: int) -> Failure | None:
        n = self.v.nodes[nid]
        if depth > self.max_depth:
            return Failure(path, "depth", n.source.pointer)

        def fail(keyword: str, at: str = path) -> Failure:
            return Failure(at, keyword, n.source.pointer)

        if n.resource is not None:
            scope = scope + (n.resource,)
        seen = _Seen() if n.tracks_evaluation else None
        if n.never:
            return fail("false")
        kind = json_kind(x)
        if n.types is not None:
            ok = kind in n.types or (kind == "number" and "integer" in n.types and is_integer(x, n.integer_strict))
            if not ok:
                return fail("type")
        if n.const is not MISSING and not json_equal(x, n.const):
            return fail("const")
        if n.enum is not None and not any(json_equal(x, e) for e in n.enum):
            return fail("enum")
        if kind == "number":
            if n.minimum is not None and x < n.minimum:
                return fail("minimum")
            if n.maximum is not None and x > n.maximum:
                return fail("maximum")
            if n.exclusive_minimum is not None and x <= n.exclusive_minimum:
                return fail("exclusiveMinimum")
            if n.exclusive_maximum is not None and x >= n.exclusive_maximum:
                return fail("exclusiveMaximum")
            if n.multiple_of is not None and not is_multiple(x, n.multiple_of):
                return fail("multipleOf")
        elif kind == "string":
            if n.min_length is not None and len(x) < n.min_length:
                return fail("minLength")
            if n.max_length is not None and len(x) > n.max_length:
                return fail("maxLength")
            if n.pattern is not None and not self.search(n.pattern, x):
                return fail("pattern")
            fmt = self.v.asserted_format(n)
            if fmt is not None and not formats.check(fmt, x):
                return fail("format")
        d = depth + 1
        # in-place applicators
        if n.ref is not None:
            e = self._eval(n.ref, x, path, scope, seen, d)
            if e is not None:
                return e
        if n.dynamic_ref is not None:
            target = n.dynamic_ref.initial
            cands = dict(n.dynamic_ref.candidates)
            for r in scope:
                if r in cands:
                    target = cands[r]
                    break
            e = self._eval(target, x, path, scope, seen, d)
            if e is not None:
                return e
        for c in n.all_of:
            e = self._eval(c, x, path, scope, seen, d)
            if e is not None:
                return e
        if n.any_of:
            ok = False
            for c in n.any_of:
                if self._eval(c, x, path, scope, seen, d) is None:
                    ok = True
                    if seen is None:
                        break
            if not ok:
                return fail("anyOf")
        if n.one_of:
            count = 0
            for c in n.one_of:
                if self._eval(c, x, path, scope, seen, d) is None:
                    count += 1
                    if count > 1:
                        break
            if count != 1:
                return fail("oneOf")
        if n.not_ is not None and self._eval(n.not_, x, path, scope, None, d) is None:
            return fail("not")
        if n.if_ is not None:
            if self._eval(n.if_, x, path, scope, seen, d) is None:
                if n.then is not None:
                    e = self._eval(n.then, x, path, scope, seen, d)
                    if e is not None:
                        return e
            elif n.else_ is not None:
                e = self._eval(n.else_, x, path, scope, seen, d)
                if e is not None:
                    return e
        if kind == "array":
            e = self._array(n, x, path, scope, seen, d, fail)
            if e is not None:
                return e
        elif kind == "object":
            e = self._object(n, x, path, scope, seen, d, fail)
            if e is not None:
                return e
        if out is not None and seen is not None:
            out.merge(seen)
        return None

    def _array(self, n: v.Node, x: list[Any], path: str, scope: tuple[int, ...], seen: _Seen | None, d: int, fail: Callable[..., Failure]) -> Failure | None:
        if n.min_items is not None and len(x) < n.min_items:
            return fail("minItems")
        if n.max_items is not None and len(x) > n.max_items:
            return fail("maxItems")
        if n.unique_items:
            for i in range(len(x)):
                for j in range(i):
                    if json_equal(x[i], x[j]):
                        return fail("uniqueItems", _ptr(path, i))
        for i, c in enumerate(n.prefix_items[: len(x)]):
            e = self._eval(c, x[i], _ptr(path, i), scope, None, d)
            if e is not None:
                return e
            if seen is not None:
                seen.items.add(i)
        if n.items is not None:
            for i in range(len(n.prefix_items), len(x)):
                e = self._eval(n.items, x[i], _ptr(path, i), scope, None, d)
                if e is not None:
                    return e
                if seen is not None:
                    seen.items.add(i)
        if n.contains is not None:
            matched = 0
            for i, item in enumerate(x):
                if self._eval(n.contains, item, _ptr(path, i), scope, None, d) is None:
                    matched += 1
                    if seen is not None:
                        seen.items.add(i)
            low = 1 if n.min_contains is None else n.min_contains
            if matched < low:
                return fail("minContains" if n.min_contains is not None else "contains")
            if n.max_contains is not None and matched > n.max_contains:
                return fail("maxContains")
        if n.unevaluated_items is not None:
            assert seen is not None
            for i in range(len(x)):
                if i not in seen.items:
                    e = self._eval(n.unevaluated_items, x[i], _ptr(path, i), scope, None, d)
                    if e is not None:
                        return e
            seen.items.update(range(len(x)))
        return None

    def _object(self, n: v.Node, x: dict[str, Any], path: str, scope: tuple[int, ...], seen: _Seen | None, d: int, fail: Callable[..., Failure]) -> Failure | None:
        for r in n.required:
            if r not in x:
                return fail("required")
        if n.min_properties is not None and len(x) < n.min_properties:
            return fail("minProperties")
        if n.max_properties is not None and len(x) > n.max_properties:
            return fail("maxProperties")
        for name, needs in n.dependent_required:
            if name in x:
                for r in needs:
                    if r not in x:
                        return fail("dependentRequired")
        props = self._props.get(n.id)
        if props is None:
            props = self._props[n.id] = dict(n.properties)
        for key, value in x.items():
            at = _ptr(path, key)
            if n.property_names is not None:
                e = self._eval(n.property_names, key, at, scope, None, d)
                if e is not None:
                    return Failure(at, "propertyNames", e.schema)
            matched = False
            if key in props:
                matched = True
                e = self._eval(props[key], value, at, scope, None, d)
                if e is not None:
                    return e
            for pat, c in n.pattern_properties:
                if self.search(pat, key):
                    matched = True
                    e = self._eval(c, value, at, scope, None, d)
                    if e is not None:
                        return e
            if not matched and n.additional_properties is not None:
                e = self._eval(n.additional_properties, value, at, scope, None, d)
                if e is not None:
                    return e
                matched = True
            if matched and seen is not None:
                seen.props.add(key)
        for name, c in n.dependent_schemas:
            if name in x:
                e = self._eval(c, x, path, scope, seen, d)
                if e is not None:
                    return e
        if n.unevaluated_properties is not None:
            assert seen is not None
            for key, value in x.items():
                if key not in seen.props:
                    e = self._eval(n.unevaluated_properties, value, _ptr(path, key), scope, None, d)
                    if e is not None:
                        return e
            seen.props.update(x)
        return None
