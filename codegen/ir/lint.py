"""Schema lint over the IR: overlapping ``oneOf`` branches and unreachable definitions.

StepFlow's own protocol.json has a ``oneOf`` whose branches overlap (a request also matches
``Notification``, which does not forbid ``id``), so every request fails validation.  This lint
finds such pairs and prints a value that matches both.
"""

from __future__ import annotations

import json

from ..diagnostics import Diagnostics
from . import model as ir
from .passes import references, resolve_alias, walk_expr

KINDS = ("null", "boolean", "integer", "fraction", "string", "array", "object")


def _kinds(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr | ir.Decl, depth: int = 0) -> set[str]:
    if depth > 50:
        return set(KINDS)
    if isinstance(e, ir.RefType):
        e = resolve_alias(decls, e)
    if isinstance(e, ir.AnyType):
        return set(KINDS)
    if isinstance(e, ir.NullType):
        return {"null"}
    if isinstance(e, ir.BoolType):
        return {"boolean"}
    if isinstance(e, ir.IntType):
        return {"integer"}
    if isinstance(e, ir.NumberType):
        return {"integer", "fraction"}
    if isinstance(e, ir.StringType):
        return {"string"}
    if isinstance(e, ir.LiteralType):
        v = e.value
        return {"null" if v is None else "boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else "string"}
    if isinstance(e, (ir.ArrayType, ir.TupleType)):
        return {"array"}
    if isinstance(e, (ir.MapType, ir.ObjectDecl)):
        return {"object"}
    if isinstance(e, ir.EnumDecl):
        return {"string" if e.value_kind == "string" else "integer"}
    if isinstance(e, ir.UnionType):
        out: set[str] = set()
        for v in e.variants:
            out |= _kinds(decls, v, depth + 1)
        return out
    return set(KINDS)


def _literals(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr | ir.Decl, depth: int = 0) -> set[object] | None:
    """The finite set of values ``e`` accepts, or None if not finite/known."""
    if depth > 50:
        return None
    if isinstance(e, ir.RefType):
        e = resolve_alias(decls, e)
    if isinstance(e, ir.LiteralType):
        return {e.value}
    if isinstance(e, ir.EnumDecl):
        return {m.value for m in e.members}
    if isinstance(e, ir.UnionType):
        out: set[object] = set()
        for v in e.variants:
            sub = _literals(decls, v, depth + 1)
            if sub is None:
                return None
            out |= sub
        return out
    return None


def _sample(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr | ir.Decl) -> object:
    lits = _literals(decls, e)
    if lits:
        return sorted(lits, key=repr)[0]
    kinds = _kinds(decls, e)
    for k, v in (("object", {}), ("string", "x"), ("integer", 1), ("boolean", True), ("array", []), ("null", None)):
        if k in kinds:
            return v
    return None


def _objects_overlap(decls: dict[ir.TypeId, ir.Decl], a: ir.ObjectDecl, b: ir.ObjectDecl) -> dict[str, object] | None:
    fa = {f.wire_name: f for f in a.fields}
    fb = {f.wire_name: f for f in b.fields}
    need = {f.wire_name for f in a.fields if f.required} | {f.wire_name for f in b.fields if f.required}
    for key in need:
        if key not in fa and a.closed:
            return None
        if key not in fb and b.closed:
            return None
    sample: dict[str, object] = {}
    for key in sorted(need):
        ta = fa[key].type if key in fa else (a.additional or ir.AnyType())
        tb = fb[key].type if key in fb else (b.additional or ir.AnyType())
        la, lb = _literals(decls, ta), _literals(decls, tb)
        if la is not None and lb is not None:
            common = la & lb
            if not common:
                return None
            sample[key] = sorted(common, key=repr)[0]
            continue
        kinds = _kinds(decls, ta) & _kinds(decls, tb)
        if not kinds:
            return None
        if la is not None:
            sample[key] = _sample(decls, ta)
        elif lb is not None or key not in fa:
            sample[key] = _sample(decls, tb)
        else:
            sample[key] = _sample(decls, ta)
    return sample


def overlap(decls: dict[ir.TypeId, ir.Decl], x: ir.TypeExpr, y: ir.TypeExpr) -> object | None:
    """A value both ``x`` and ``y`` may accept (an approximation), or None if they are disjoint."""
    rx, ry = resolve_alias(decls, x), resolve_alias(decls, y)
    if isinstance(rx, ir.ObjectDecl) and isinstance(ry, ir.ObjectDecl):
        return _objects_overlap(decls, rx, ry)
    lx, ly = _literals(decls, rx), _literals(decls, ry)
    if lx is not None and ly is not None:
        common = lx & ly
        return sorted(common, key=repr)[0] if common else None
    kinds = _kinds(decls, rx) & _kinds(decls, ry)
    if not kinds or kinds <= {"object"} and (isinstance(rx, ir.ObjectDecl) or isinstance(ry, ir.ObjectDecl)):
        if kinds and isinstance(rx, ir.ObjectDecl) != isinstance(ry, ir.ObjectDecl):
            return {}
        return None
    if lx is not None:
        return sorted(lx, key=repr)[0]
    if ly is not None:
        return sorted(ly, key=repr)[0]
    return _sample(decls, rx)


def _name(decls: dict[ir.TypeId, ir.Decl], e: ir.TypeExpr) -> str:
    if isinstance(e, ir.RefType):
        return " ".join(decls[e.target].name)
    return e.kind


def lint(program: ir.Program, diags: Diagnostics, included: dict[ir.TypeId, set[ir.TypeId]] | None = None) -> None:
    """``included`` maps a declaration to those its schema inlined (allOf parts): they count as reachable."""
    decls = {d.id: d for d in program.decls}

    def check(e: ir.TypeExpr, where: ir.Source | None) -> None:
        for u in walk_expr(e):
            if not isinstance(u, ir.UnionType) or not u.one_of:
                continue
            for i in range(len(u.variants)):
                for j in range(i + 1, len(u.variants)):
                    sample = overlap(decls, u.variants[i], u.variants[j])
                    if sample is None:
                        continue
                    diags.warning(
                        "overlapping-oneof",
                        where.file if where else "",
                        where.pointer if where else "",
                        f"oneOf branches {i + 1} ({_name(decls, u.variants[i])}) and {j + 1} "
                        f"({_name(decls, u.variants[j])}) both match {json.dumps(sample, sort_keys=True)}; "
                        "a validator rejects such values because oneOf needs exactly one match",
                        "make the branches exclusive (additionalProperties: false, a const tag, or "
                        "required keys the other branch forbids), or use anyOf",
                    )

    for d in program.decls:
        if isinstance(d, ir.ObjectDecl):
            for f in d.fields:
                check(f.type, f.source or d.source)
            if d.additional is not None:
                check(d.additional, d.source)
        elif isinstance(d, ir.AliasDecl):
            check(d.target, d.source)

    # unreachable definitions: only in files that have a root of their own
    root_files = {r.type.split("#", 1)[0] for r in program.roots}
    start: set[str] = {r.type for r in program.roots}
    if program.protocol is not None:
        for m in program.protocol.methods:
            for e in (m.params, m.result):
                if e is not None:
                    start |= {x.target for x in walk_expr(e) if isinstance(x, ir.RefType)}
        if program.protocol.error_codes:
            start.add(program.protocol.error_codes)
    for c in program.components:
        start |= {x.target for e in (c.input, c.output) for x in walk_expr(e) if isinstance(x, ir.RefType)}
    for d in program.decls:
        file, pointer = d.id.split("#", 1)
        if file not in root_files and pointer.count("/") == 2:
            start.add(d.id)
    seen: set[str] = set()
    todo = list(start)
    while todo:
        t = todo.pop()
        if t in seen or t not in decls:
            continue
        seen.add(t)
        todo.extend(references(decls[t]))
        todo.extend((included or {}).get(t, ()))
        for suffix in ("/enum", "/object"):
            if t.endswith(suffix) and t[: -len(suffix)] in decls:
                seen.add(t[: -len(suffix)])
    for d in program.decls:
        file, pointer = d.id.split("#", 1)
        parts = pointer.split("/")
        if d.id not in seen and len(parts) == 3 and parts[1] in ("$defs", "definitions"):
            src = d.source
            diags.warning(
                "unreachable-definition",
                src.file if src else file,
                pointer,
                f"definition '{parts[2]}' is not reachable from the root schema, the method table or a component manifest",
                "reference it, remove it, or drop the root so the file is a plain collection of definitions",
            )
