"""``--defaults apply`` for TypeScript: which fields decode to their default, which declarations
therefore get an ``XInput`` type beside the decoded ``X``, and the plans (``_defaultsX``) the
generated ``parseX`` / ``withDefaultsX`` / ``withoutDefaultsX`` run (``templates/typescript/runtime/defaults.ts``).

Whether a default can be applied at all is decided once for every target
(:mod:`stepflow_codegen.analysis.defaults`); this module only lays out what follows from it.
Defaults reach the output only through :mod:`.escape`: scalars as literals, arrays and objects as
``JSON.parse`` of their JSON text in a string literal (fresh on every call, and a key such as
``__proto__`` stays an ordinary key).
"""

from __future__ import annotations

import json

from ...analysis.defaults import DefaultCheck
from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...ir import validation as v
from ...ir.passes import decl_exprs, walk_expr
from . import layout as L
from .checks import CheckBuilder
from .escape import ts_literal, ts_string


class DefaultPlan:
    """The applied defaults of one module."""

    def __init__(self, decls: dict[str, ir.Decl], validation: v.Validation | None, diags: Diagnostics):
        self.decls = decls
        check = DefaultCheck(decls, validation)
        self.applied: set[tuple[str, str]] = set()
        """(object id, wire name) of every optional field whose absence decodes to its default."""
        for d in sorted(decls.values(), key=lambda d: d.id):
            if not isinstance(d, ir.ObjectDecl):
                continue
            for f in d.fields:
                if f.required or f.default is ir.MISSING:
                    continue
                problem = check.problem(d, f)
                if problem is None:
                    self.applied.add((d.id, f.wire_name))
                    continue
                where = f.source or d.source
                diags.warning(
                    "default-not-applied",
                    where.file if where else "",
                    where.pointer if where else "",
                    f"{problem}: it is not applied, the property stays optional in the decoded type",
                )
        self.differs = self._differs()
        """Declarations whose decoded type differs from what is written (they hold an applied
        default, or refer to one that does): they get an ``XInput`` type and a ``_defaultsX`` plan."""

    def _differs(self) -> set[str]:
        out = {d_id for d_id, _ in self.applied}
        refs = {d.id: {e.target for x in decl_exprs(d) for e in walk_expr(x) if isinstance(e, ir.RefType)} for d in self.decls.values()}
        changed = True
        while changed:
            changed = False
            for d_id, targets in refs.items():
                if d_id not in out and targets & out:
                    out.add(d_id)
                    changed = True
        return out


def default_value(value: object) -> L.Node:
    """``() => value``: a fresh value on every call."""
    if value is None or isinstance(value, (bool, int, float, str)):
        kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "string" if isinstance(value, str) else "other"
        return L.arrow(L.text(ts_literal(value), kind))
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return L.arrow(L.call("JSON.parse", [L.text(ts_string(text), "string")]))


class PlanBuilder:
    """``dft.*`` plans (``defaults.ts``): where in a value properties with defaults may be absent."""

    def __init__(
        self,
        plan: DefaultPlan,
        checks: CheckBuilder,
        names: dict[str, str],
        cyclic: frozenset[str] = frozenset(),
        local: frozenset[str] | None = None,
    ):
        self.plan = plan
        self.checks = checks
        self.names = names
        self.cyclic = cyclic
        """Aliases that refer to themselves through unions alone (typed ``JsonValue`` there): never
        filled through such a reference, which would pick the same variant forever."""
        self.local = local
        """The declarations of this module (None: every one). A plan of another module's declaration
        (the protocol's, seen from ``component_types.ts``) is a const of this module too, named by
        :meth:`const`; :attr:`foreign` collects the ones referred to, for the module to emit."""
        self.foreign: set[str] = set()

    def const(self, type_id: str) -> str:
        # type names are PascalCase: "_defaults" + a name never equals a check's "_" + a name, and
        # "_protocolDefaults" + a name (lower-case "p") never equals either
        if self.local is not None and type_id not in self.local:
            self.foreign.add(type_id)
            return "_protocolDefaults" + self.names[type_id]
        return "_defaults" + self.names[type_id]

    def expr(self, e: ir.TypeExpr) -> L.Node | None:
        """The plan of a value of type ``e``; None when nothing in it can have a default."""
        if isinstance(e, ir.RefType):
            if e.target not in self.plan.differs or e.target in self.cyclic:
                return None
            return L.call("dft.ref", [L.arrow(L.text(self.const(e.target)))])
        if isinstance(e, ir.ArrayType):
            items = self.expr(e.items)
            return None if items is None else L.call("dft.array", [items])
        if isinstance(e, ir.TupleType):
            parts = [self.expr(i) for i in e.items]
            rest = self.expr(e.rest) if e.rest is not None else None
            if rest is None and all(p is None for p in parts):
                return None
            items = L.array_literal([p if p is not None else L.text("null") for p in parts])
            return L.call("dft.tuple", [items, rest if rest is not None else L.text("null")])
        if isinstance(e, ir.MapType):
            values = self.expr(e.values)
            return None if values is None else L.call("dft.map", [values])
        if isinstance(e, ir.UnionType):
            fills = [self.expr(x) for x in e.variants]
            if all(f is None for f in fills):
                return None
            cases = [
                L.array_literal([self.checks.expr(x), f if f is not None else L.text("null")])
                for x, f in zip(e.variants, fills)
            ]
            return L.call("dft.union", [L.array_literal(cases)])
        return None

    def decl(self, d: ir.Decl) -> L.Node:
        """The plan of a declaration of :attr:`DefaultPlan.differs`."""
        if isinstance(d, ir.ObjectDecl):
            props = []
            for f in d.fields:
                value = default_value(f.default) if (d.id, f.wire_name) in self.plan.applied else None
                fill = self.expr(f.type)
                if value is None and fill is None:
                    continue
                props.append(
                    L.array_literal(
                        [
                            L.text(ts_string(f.wire_name), "string"),
                            value if value is not None else L.text("null"),
                            fill if fill is not None else L.text("null"),
                        ]
                    )
                )
            extra = self.expr(d.additional) if d.additional is not None else None
            args = [L.array_literal(props)] + ([extra] if extra is not None else [])
            return L.call("dft.object", args)
        if isinstance(d, ir.AliasDecl):
            filled = self.expr(d.target)
            return filled if filled is not None else L.call("dft.object", [L.array_literal([])])
        raise TypeError(d)


__all__ = ["DefaultPlan", "PlanBuilder", "default_value"]
