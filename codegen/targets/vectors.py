"""Conformance vectors made from the IR: valid and invalid JSON values for every named type.

Every language's test suite reads the same vector files: each valid vector must decode and
re-encode to the same JSON, each invalid vector must be rejected.  Vectors are made from the IR
alone (no target is involved): candidate values come from the shape (for objects, the minimal and the full instance, each optional field
present and absent, each required field missing, a wrong type per field, an unknown key for closed
objects; for enums every member and a non-member; for unions every variant; for constraints the
edge values on both sides), and every candidate is then labelled valid or invalid by the reference
evaluator of the validation graph (:mod:`stepflow_codegen.ir.evaluate`), which carries every
assertion of the schema, so a vector never claims what the shape alone would wrongly say (a value
the shape accepts but ``not``, ``if``/``then`` or a pattern rejects is an invalid vector).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostics
from ..ir import model as ir
from ..ir.evaluate import Evaluator
from ..ir.passes import json_kind, json_kinds, resolve_alias
from . import TargetOptions

MAX_DEPTH = 6
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Vectors:
    type_id: str
    name: str
    valid: list[Any] = field(default_factory=list)
    invalid: list[tuple[Any, str]] = field(default_factory=list)
    _seen_valid: set[Any] = field(default_factory=set, repr=False)
    _seen_invalid: set[Any] = field(default_factory=set, repr=False)

    def add_valid(self, value: Any) -> None:
        if value is _NOPE:
            return
        key = _key(value)
        if key not in self._seen_valid:
            self._seen_valid.add(key)
            self.valid.append(value)

    def add_invalid(self, value: Any, why: str) -> None:
        if value is _NOPE:
            return
        key = _key(value)
        if key not in self._seen_invalid and key not in self._seen_valid:
            self._seen_invalid.add(key)
            self.invalid.append((value, why))


def _key(value: Any) -> Any:
    """A hashable key equal for two JSON values exactly when Python's ``==`` says they are equal
    (``1``, ``1.0`` and ``true`` share a key), so de-duplication takes constant time per vector."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _key(v)) for k, v in value.items())))
    return value


class _Nope:
    pass


_NOPE: Any = _Nope()


class VectorMaker:
    def __init__(self, program: ir.Program):
        self.program = program
        self.decls = {d.id: d for d in program.decls}

    # -- one sample value per type ----------------------------------------------------------
    def sample(self, e: ir.TypeExpr | ir.Decl, depth: int = 0, full: bool = False) -> Any:
        if depth > MAX_DEPTH:
            return _NOPE
        if isinstance(e, ir.RefType):
            return self.sample(self.decls[e.target], depth + 1, full)
        if isinstance(e, ir.ObjectDecl):
            out: dict[str, Any] = {}
            for f in e.fields:
                if f.required or full:
                    v = self.sample(f.type, depth + 1, False)
                    if v is _NOPE:
                        if f.required:
                            return _NOPE
                        continue
                    out[f.wire_name] = v
            return out
        if isinstance(e, ir.EnumDecl):
            return e.members[0].value
        if isinstance(e, ir.AliasDecl):
            return self.sample(e.target, depth + 1, full)
        if isinstance(e, ir.AnyType):
            return {"any": [1, "two", None, True, 2.5]}
        if isinstance(e, ir.NullType):
            return None
        if isinstance(e, ir.BoolType):
            return True
        if isinstance(e, ir.IntType):
            return self._number(e.constraints, integer=True)
        if isinstance(e, ir.NumberType):
            return self._number(e.constraints, integer=False)
        if isinstance(e, ir.StringType):
            c = e.constraints
            if c.pattern is not None:
                return _NOPE
            n = max(c.min_length or 0, 3)
            if c.max_length is not None:
                n = min(n, c.max_length)
            return "abcdefghij"[:n] if n <= 10 else "x" * n
        if isinstance(e, ir.LiteralType):
            return e.value
        if isinstance(e, ir.ArrayType):
            item = self.sample(e.items, depth + 1)
            n = max(e.constraints.min_items or 0, 1)
            if e.constraints.max_items is not None:
                n = min(n, e.constraints.max_items)
            if item is _NOPE:
                return [] if (e.constraints.min_items or 0) == 0 else _NOPE
            if e.constraints.unique_items and n > 1:
                return _NOPE
            return [item] * n
        if isinstance(e, ir.TupleType):
            items = [self.sample(i, depth + 1) for i in e.items]
            return _NOPE if any(i is _NOPE for i in items) else items
        if isinstance(e, ir.MapType):
            v = self.sample(e.values, depth + 1)
            if v is _NOPE or e.key_pattern is not None or (e.constraints.max_properties == 0):
                return {}
            return {"key": v}
        if isinstance(e, ir.UnionType):
            for v in e.variants:
                s = self.sample(v, depth + 1, full)
                if s is not _NOPE:
                    return s
            return _NOPE
        return _NOPE

    @staticmethod
    def _number(c: ir.Constraints, integer: bool) -> Any:
        lo = c.minimum if c.minimum is not None else (c.exclusive_minimum + 1 if c.exclusive_minimum is not None else None)
        hi = c.maximum if c.maximum is not None else (c.exclusive_maximum - 1 if c.exclusive_maximum is not None else None)
        v: Any = lo if lo is not None else (hi if hi is not None else 7)
        if integer:
            v = int(v) if v == int(v) else int(v) + 1
        if c.multiple_of:
            v = c.multiple_of * (int(v / c.multiple_of) + (0 if v % c.multiple_of == 0 else 1))
            if integer:
                v = int(v)
        return v

    # -- a value of a different JSON kind ---------------------------------------------------
    def wrong_kind(self, e: ir.TypeExpr | ir.Decl) -> Any:
        r = resolve_alias(self.decls, e) if isinstance(e, ir.RefType) else e
        if isinstance(r, ir.AliasDecl):
            r = r.target
        kinds = json_kinds(self.decls, r)
        for candidate in ("a string", 12345, [1, 2], {"unexpected": True}, None, False):
            if json_kind(candidate) not in kinds:
                return candidate
        return _NOPE

    # -- vectors per declaration ------------------------------------------------------------
    def for_decl(self, d: ir.Decl) -> Vectors:
        vec = Vectors(d.id, " ".join(d.name))
        if isinstance(d, ir.ObjectDecl):
            self._object(d, vec)
        elif isinstance(d, ir.EnumDecl):
            for m in d.members:
                vec.add_valid(m.value)
            bad = "not-a-member" if d.value_kind == "string" else 999_999_999
            vec.add_invalid(bad, "not a member of the enum")
            vec.add_invalid(12345 if d.value_kind == "string" else "12345", "wrong JSON kind")
        else:
            self._expr(d.target, vec)
        return vec

    def _object(self, d: ir.ObjectDecl, vec: Vectors) -> None:
        minimal = self.sample(d)
        full = self.sample(d, full=True)
        if minimal is _NOPE:
            return
        vec.add_valid(minimal)
        vec.add_valid(full)
        for f in d.fields:
            value = self.sample(f.type, 1)
            if not f.required and value is not _NOPE:
                vec.add_valid({**minimal, f.wire_name: value})
            if f.required:
                vec.add_invalid({k: v for k, v in minimal.items() if k != f.wire_name}, f"required '{f.wire_name}' missing")
            wrong = self.wrong_kind(f.type)
            if wrong is not _NOPE:
                vec.add_invalid({**minimal, f.wire_name: wrong}, f"'{f.wire_name}' has the wrong JSON kind")
            for v, ok, why in self._edges(f.type):
                (vec.add_valid if ok else lambda x, w=why: vec.add_invalid(x, f"'{f.wire_name}': {w}"))(
                    {**minimal, f.wire_name: v}
                )
        names = {f.wire_name for f in d.fields}
        extra_key = next(k for k in ("zz_unknown", "zz_unknown_2") if k not in names)
        if d.closed:
            vec.add_invalid({**minimal, extra_key: 1}, "unknown key in a closed object")
        elif isinstance(d.additional, ir.AnyType):
            vec.add_valid({**minimal, extra_key: {"kept": [1, 2.5, None]}})
        vec.add_invalid([minimal], "an array is not an object")

    def _expr(self, e: ir.TypeExpr, vec: Vectors) -> None:
        if isinstance(e, ir.UnionType):
            for v in e.variants:
                s = self.sample(v, 1)
                vec.add_valid(s)
                vec.add_valid(self.sample(v, 1, full=True))
        else:
            vec.add_valid(self.sample(e, 1))
            for v, ok, why in self._edges(e):
                (vec.add_valid if ok else lambda x, w=why: vec.add_invalid(x, w))(v)
        wrong = self.wrong_kind(e)
        if wrong is not _NOPE:
            vec.add_invalid(wrong, "wrong JSON kind")

    def _edges(self, e: ir.TypeExpr) -> list[tuple[Any, bool, str]]:
        r = resolve_alias(self.decls, e) if isinstance(e, ir.RefType) else e
        out: list[tuple[Any, bool, str]] = []
        if isinstance(r, (ir.IntType, ir.NumberType)):
            c = r.constraints
            integer = isinstance(r, ir.IntType)
            if c.minimum is not None:
                out += [(c.minimum, True, "at minimum"), (c.minimum - 1, False, "below minimum")]
            if c.maximum is not None:
                out += [(c.maximum, True, "at maximum"), (c.maximum + 1, False, "above maximum")]
            if c.exclusive_minimum is not None:
                out += [(c.exclusive_minimum, False, "at exclusiveMinimum")]
            if c.exclusive_maximum is not None:
                out += [(c.exclusive_maximum, False, "at exclusiveMaximum")]
            if integer:
                out.append((1.5 if self._ok_number(c, 1.5) else 2.5, False, "a fraction where an integer is required"))
            elif self._ok_number(c, 1):
                out.append((1, True, "an integer where a number is allowed (1 stays 1)"))
            out = [(v, ok, why) for v, ok, why in out if not (ok and c.multiple_of and v % c.multiple_of)]
        elif isinstance(r, ir.StringType) and r.constraints.pattern is None:
            c = r.constraints
            if c.min_length is not None and c.min_length > 0:
                out += [("x" * c.min_length, True, "at minLength"), ("x" * (c.min_length - 1), False, "below minLength")]
            if c.max_length is not None:
                out += [("x" * c.max_length, True, "at maxLength"), ("x" * (c.max_length + 1), False, "above maxLength")]
            if c.min_length is None and c.max_length is None:
                out.append(("unicode: é 😀 \u2028", True, "non-ASCII text"))
        elif isinstance(r, ir.LiteralType):
            other = "other" if not isinstance(r.value, str) or r.value != "other" else "other2"
            out.append((other, False, "not the constant"))
        elif isinstance(r, ir.EnumDecl):
            out.append(("not-a-member" if r.value_kind == "string" else 999_999_999, False, "not a member of the enum"))
        return out

    @staticmethod
    def _ok_number(c: ir.Constraints, v: float) -> bool:
        return not (
            (c.minimum is not None and v < c.minimum)
            or (c.maximum is not None and v > c.maximum)
            or (c.exclusive_minimum is not None and v <= c.exclusive_minimum)
            or (c.exclusive_maximum is not None and v >= c.exclusive_maximum)
        )

    def all(self) -> list[Vectors]:
        out = []
        for d in self.program.decls:
            pointer = d.id.split("#", 1)[1]
            if pointer.count("/") == 2 and pointer.split("/")[1] in ("$defs", "definitions") or pointer == "":
                v = self._labelled(self.for_decl(d))
                if v.valid or v.invalid:
                    out.append(v)
        return out

    def _labelled(self, vec: Vectors) -> Vectors:
        """The candidates, each labelled by the reference evaluator of the whole schema."""
        validation = self.program.validation
        node = validation.node_for(vec.type_id) if validation is not None else None
        if validation is None or node is None:
            return vec
        ev = self._evaluator = getattr(self, "_evaluator", None) or Evaluator(validation)
        out = Vectors(vec.type_id, vec.name)
        for value in vec.valid:
            failure = ev.validate(node, value)
            if failure is None:
                out.add_valid(value)
            else:
                out.add_invalid(value, f"the schema rejects it ({failure.keyword} at {failure.pointer or '/'})")
        for value, why in vec.invalid:
            if ev.validate(node, value) is None:
                out.add_valid(value)
            else:
                out.add_invalid(value, why)
        return out


def render_vectors(program: ir.Program, command: str) -> dict[str, str]:
    """One JSON file per schema file: ``{"generatedBy": ..., "types": [{"id", "name", "valid", "invalid"}]}``."""
    maker = VectorMaker(program)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for v in maker.all():
        file = v.type_id.split("#", 1)[0]
        by_file.setdefault(file, []).append(
            {
                "id": v.type_id,
                "name": v.name,
                "valid": v.valid,
                "invalid": [{"value": value, "why": why} for value, why in v.invalid],
            }
        )
    out = {}
    stems: dict[str, list[str]] = {}
    for file in by_file:
        stems.setdefault(file.rsplit("/", 1)[-1].removesuffix(".json"), []).append(file)
    for file, types in sorted(by_file.items()):
        stem = file.rsplit("/", 1)[-1].removesuffix(".json")
        if len(stems[stem]) > 1:
            # two inputs share a base name (a/x.json, b/x.json): name the files after the whole path
            stem = "__".join(".." if part == ".." else part for part in file.removesuffix(".json").split("/"))
            stem = stem.replace("..", "up")
        doc = {
            "generatedBy": "generated by stepflow-codegen, do not edit",
            "regenerate": command,
            "schema": file,
            "types": sorted(types, key=lambda t: t["id"]),
        }
        text = json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
        # a lone surrogate ("\\ud800" in a schema) cannot be written as UTF-8: keep it a JSON escape
        out[f"{stem}.vectors.json"] = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return out


OWNED_SUFFIXES = (".json",)


def check_name(name: str) -> str | None:
    return None


def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    return render_vectors(program, options.command)
