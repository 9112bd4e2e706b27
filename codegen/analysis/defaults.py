"""Schema defaults: whether the schema itself accepts a field's ``default``.

A target that applies defaults (``--defaults apply``) must not fill an absent field with a value the
schema rejects (``{"type": "integer", "minimum": 1, "default": 0}``): the decoded value would fail
its own checks when encoded again.  The question is the same for every language, so it is answered
once, here, by the IR's reference evaluator on the field's validation node (at generation time; the
generated code never uses the evaluator).
"""

from __future__ import annotations

from ..ir import model as ir
from ..ir.evaluate import Evaluator
from ..ir.passes import references, walk_expr


class DefaultChecker:
    """Checks fields' defaults against the schema at the field's location."""

    def __init__(self, program: ir.Program):
        self.validation = program.validation
        self._evaluator = Evaluator(program.validation) if program.validation is not None else None
        self._nodes: dict[tuple[str, str], int] = {}
        if program.validation is not None:
            for n in program.validation.nodes:
                self._nodes.setdefault((n.source.file, n.source.pointer), n.id)

    def rejection(self, f: ir.Field) -> str | None:
        """Why the schema rejects ``f``'s default (a message naming the keyword and where), or None
        when it accepts it (or the field has no default, or no node validates its location)."""
        if f.default is ir.MISSING or self._evaluator is None or f.source is None:
            return None
        node = self._nodes.get((f.source.file, f.source.pointer))
        if node is None:
            return None
        failure = self._evaluator.validate(node, f.default)
        if failure is None:
            return None
        where = f" at {failure.pointer}" if failure.pointer else ""
        return f"the schema rejects its own default{where} ({failure.keyword})"


def write_default_ids(program: ir.Program) -> frozenset[str]:
    """Declarations reachable from a component's input or output: they keep their defaults when
    encoded (as hand-written msgspec Structs do), because flows and other SDKs read component
    data without applying schema defaults."""
    todo = [
        x.target
        for c in program.components
        for e in (c.input, c.output)
        for x in walk_expr(e)
        if isinstance(x, ir.RefType)
    ]
    seen: set[str] = set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        d = program.get(t)
        if d is None:
            continue
        seen.add(t)
        todo.extend(references(d))
        for suffix in ("/object", "/enum"):  # "object | null" and "enum | null" keep their object/enum apart
            if program.get(t + suffix) is not None:
                todo.append(t + suffix)
    return frozenset(seen)
