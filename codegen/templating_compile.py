"""Compile the built-in templates of the three targets ahead of time into plain Python.

``python -m stepflow_codegen.templating_compile`` rewrites ``codegen/_compiled/<target>.py`` from
``templates/<target>/*.jinja`` (``--check`` only reports which would change).  Each template
becomes ``def t_<name>(ctx, F) -> str`` (``ctx``: the render keywords; ``F``: the target's
filters by name), registered in ``TEMPLATES``; ``DIGEST`` is the digest of the sources it was
compiled from, which ``templating.environment`` compares before using the compiled code.

The compiler parses each template with the project's Jinja settings (the parser applies
trim_blocks, lstrip_blocks and keep_trailing_newline, so text nodes carry the exact output) and
translates the syntax tree.  It supports exactly what the built-in templates use (output, if/elif/
else, for with ``loop.index``/``index0``/``first``/``last``/``length``/``revindex``, include,
set, the target's filters and Jinja's ``join``/``length``/``list``/``map``, the ``none`` test,
comparisons, ``~``, ``and``/``or``/``not``, conditional expressions, literals, attribute and item
access, calls); anything else is a :class:`CompileError` naming the template and line.  Template
text and constants reach the compiled code only through ``repr()``.  This is the only module
besides ``templating`` (for ``--templates`` overrides and the scaffold) that imports jinja2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from . import templating

TARGETS = templating.COMPILED_TARGETS
_BUILTIN_FILTERS = ("join", "length", "list", "map")
_LOOP_ATTRS = ("index", "index0", "first", "last", "length", "revindex", "revindex0")
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}
_HELPERS = ("MISSING", "undefined", "getattr_", "getitem", "join", "map_attribute", "map_filter", "with_locals")


class CompileError(Exception):
    """A built-in template uses a construct the ahead-of-time compiler does not translate."""


def template_names(target: str) -> list[str]:
    return sorted(p.name for p in (templating.templates_dir() / target).glob("*.jinja"))


def function_name(template: str) -> str:
    stem = template.removesuffix(".jinja")
    return "t_" + re.sub(r"\W", "_", stem)


class _Scope:
    """Jinja names bound in one frame (the template's, or one loop body's) -> Python variables."""

    def __init__(self, names: dict[str, str], loop: str | None = None, length: str | None = None) -> None:
        self.names = names
        self.loop = loop  # the enumerate index variable of this loop body
        self.length = length
        self.bound: set[str] = set()  # variables that always hold a value (loop targets)


class _TemplateCompiler:
    def __init__(self, target: str, name: str, filters: set[str], templates: set[str]) -> None:
        self.target, self.name = target, name
        self.filters, self.templates = filters, templates
        self.lines: list[str] = []
        self.counter = 0
        self.scopes: list[_Scope] = []
        self.used_filters: set[str] = set()
        self.pending: list[str] = []  # literal text not yet written

    # -- errors and output ------------------------------------------------------------------------
    def fail(self, node: nodes.Node, what: str) -> CompileError:
        return CompileError(f"templates/{self.target}/{self.name}:{node.lineno}: {what} is not supported by the "
                            "ahead-of-time template compiler (codegen/templating_compile.py)")

    def emit(self, depth: int, line: str) -> None:
        self.flush(depth)
        self.lines.append("    " * depth + line)

    def flush(self, depth: int) -> None:
        if self.pending:
            text = "".join(self.pending)
            self.pending = []
            if text:
                self.lines.append("    " * depth + f"w({text!r})")

    # -- the function -----------------------------------------------------------------------------
    def compile(self, tree: nodes.Template) -> list[str]:
        # every name the template reads or sets is a variable of its frame, read from ctx first
        top = sorted(_all_names(tree) | _frame_names(tree.body))
        self.scopes = [_Scope({n: f"v_{n}" for n in top})]
        body_start = len(self.lines)
        self.block(tree.body, 1)
        self.flush(1)
        body = self.lines[body_start:]
        head = [f"def {function_name(self.name)}(ctx: dict[str, Any], F: dict[str, Any]) -> str:",
                "    out: list[str] = []",
                "    w = out.append",
                f"    T = {self.name!r}"]
        head += [f"    f_{f} = F[{f!r}]" for f in sorted(self.used_filters)]
        head += [f"    v_{n} = ctx.get({n!r}, MISSING)" for n in top]
        return head + body + ['    return "".join(out)']

    def block(self, body: list[nodes.Node], depth: int) -> None:
        start = len(self.lines)
        for node in body:
            self.statement(node, depth)
        self.flush(depth)
        if len(self.lines) == start:
            self.lines.append("    " * depth + "pass")

    def statement(self, node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    self.pending.append(child.data)
                elif isinstance(child, nodes.Const):
                    self.pending.append(str(child.value))
                else:
                    self.emit(depth, f"w({self.text(child)})")
        elif isinstance(node, nodes.If):
            self.emit(depth, f"if {self.expr(node.test)}:")
            self.block(node.body, depth + 1)
            for elif_ in node.elif_:
                self.emit(depth, f"elif {self.expr(elif_.test)}:")
                self.block(elif_.body, depth + 1)
            if node.else_:
                self.emit(depth, "else:")
                self.block(node.else_, depth + 1)
        elif isinstance(node, nodes.For):
            self.for_(node, depth)
        elif isinstance(node, nodes.Assign):
            self.emit(depth, f"{self.target_(node.target, node)} = {self.expr(node.node)}")
        elif isinstance(node, nodes.Include):
            self.include(node, depth)
        else:
            raise self.fail(node, f"the statement {type(node).__name__}")

    def for_(self, node: nodes.For, depth: int) -> None:
        if node.else_ or node.test is not None or node.recursive:
            raise self.fail(node, "a for loop with else, a filter condition or recursion")
        iterable = self.expr(node.iter)  # in the enclosing frame
        self.counter += 1
        n = self.counter
        stores = _frame_names(node.body) | _store_names(node.target)
        loop_attrs = {g.attr for g in _loop_uses(node.body)}
        index, length = f"i_{n}", f"n_{n}"
        scope = _Scope({s: f"l{n}_{s}" for s in sorted(stores)}, index, length)
        outer = {s: self.load_raw(s) for s in sorted(_frame_names(node.body) - _store_names(node.target))}
        if loop_attrs & {"last", "length", "revindex", "revindex0"}:
            self.emit(depth, f"seq_{n} = list({iterable})")
            self.emit(depth, f"{length} = len(seq_{n})")
            iterable = f"seq_{n}"
        self.scopes.append(scope)
        target = self.target_(node.target, node)
        scope.bound = {scope.names[s] for s in _store_names(node.target)}
        if loop_attrs:
            self.emit(depth, f"for {index}, {_paren(node.target, target)} in enumerate({iterable}):")
        else:
            self.emit(depth, f"for {target} in {iterable}:")
        for s, raw in outer.items():  # a name set in the body starts as the enclosing frame's
            self.emit(depth + 1, f"{scope.names[s]} = {raw}")
        self.block(node.body, depth + 1)
        self.scopes.pop()

    def include(self, node: nodes.Include, depth: int) -> None:
        if not (isinstance(node.template, nodes.Const) and isinstance(node.template.value, str)):
            raise self.fail(node, "an include of a computed template name")
        name = node.template.value
        if node.ignore_missing or not node.with_context or name not in self.templates:
            raise self.fail(node, f"include {name!r} (only built-in templates of the same target, with context)")
        bound: dict[str, str] = {}
        for scope in self.scopes:
            bound.update(scope.names)
        locals_ = ", ".join(f"{k!r}: {v}" for k, v in sorted(bound.items()))
        self.emit(depth, f"w({function_name(name)}(with_locals(ctx, {{{locals_}}}), F))")

    def target_(self, node: nodes.Node, where: nodes.Node) -> str:
        if isinstance(node, nodes.Name):
            return self.scopes[-1].names[node.name]
        if isinstance(node, nodes.Tuple) and all(isinstance(i, nodes.Name) for i in node.items):
            return ", ".join(self.target_(i, where) for i in node.items) + ("," if len(node.items) == 1 else "")
        raise self.fail(where, f"the assignment target {type(node).__name__}")

    # -- expressions ------------------------------------------------------------------------------
    def load_raw(self, name: str) -> str:
        """The Python variable holding ``name`` in the current frame (MISSING when unbound)."""
        for scope in reversed(self.scopes):
            if name in scope.names:
                return scope.names[name]
        raise AssertionError(name)  # every name is bound in the template frame

    def text(self, node: nodes.Expr) -> str:
        """``node`` as a string, as ``{{ node }}`` prints it."""
        if isinstance(node, nodes.Concat) or (isinstance(node, nodes.Filter) and node.name == "join"):
            return self.expr(node)
        return f"str({self.expr(node)})"

    def expr(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Const):
            if not isinstance(node.value, (str, int, float, bool, type(None))):
                raise self.fail(node, f"the constant {type(node.value).__name__}")
            return repr(node.value)
        if isinstance(node, nodes.Name):
            if node.name == "loop" and node.name not in self.scopes[0].names:
                raise self.fail(node, "`loop` other than loop.index/index0/first/last/length/revindex")
            var = self.load_raw(node.name)
            if any(var in scope.bound for scope in self.scopes):
                return var
            return f"({var} if {var} is not MISSING else undefined({node.name!r}, T))"
        if isinstance(node, nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "loop":
                return self.loop_attr(node)
            return f"getattr_({self.expr(node.node)}, {node.attr!r}, T)"
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Slice):
                raise self.fail(node, "a slice")
            return f"getitem({self.expr(node.node)}, {self.expr(node.arg)}, T)"
        if isinstance(node, nodes.Filter):
            return self.filter_(node)
        if isinstance(node, nodes.Test):
            if node.name != "none" or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
                raise self.fail(node, f"the test {node.name!r}")
            return f"({self.expr(node.node)} is None)"
        if isinstance(node, nodes.Not):
            return f"(not {self.expr(node.node)})"
        if isinstance(node, (nodes.And, nodes.Or)):
            op = "and" if isinstance(node, nodes.And) else "or"
            return f"({self.expr(node.left)} {op} {self.expr(node.right)})"
        if isinstance(node, nodes.Compare):
            parts = [self.expr(node.expr)]
            for operand in node.ops:
                parts += [_COMPARE[operand.op], self.expr(operand.expr)]
            return "(" + " ".join(parts) + ")"
        if isinstance(node, nodes.Concat):
            parts = [repr(str(n.value)) if isinstance(n, nodes.Const) else self.text(n) for n in node.nodes]
            return "(" + " + ".join(parts) + ")"
        if isinstance(node, nodes.CondExpr):
            if node.expr2 is None:
                raise self.fail(node, "a conditional expression without else")
            return f"({self.expr(node.expr1)} if {self.expr(node.test)} else {self.expr(node.expr2)})"
        if isinstance(node, nodes.List):
            return "[" + ", ".join(self.expr(i) for i in node.items) + "]"
        if isinstance(node, nodes.Tuple):
            return "(" + ", ".join(self.expr(i) for i in node.items) + ("," if len(node.items) == 1 else "") + ")"
        if isinstance(node, nodes.Call):
            if node.dyn_args is not None or node.dyn_kwargs is not None:
                raise self.fail(node, "a call with *args or **kwargs")
            args = [self.expr(a) for a in node.args] + [f"{k.key}={self.expr(k.value)}" for k in node.kwargs]
            return f"{self.expr(node.node)}({', '.join(args)})"
        raise self.fail(node, f"the expression {type(node).__name__}")

    def loop_attr(self, node: nodes.Getattr) -> str:
        scope = next((s for s in reversed(self.scopes) if s.loop is not None), None)
        if scope is None or node.attr not in _LOOP_ATTRS:
            raise self.fail(node, f"loop.{node.attr}" if scope is not None else "`loop` outside a for loop")
        i, n = scope.loop, scope.length
        assert i is not None and n is not None
        return {"index0": i, "index": f"({i} + 1)", "first": f"({i} == 0)", "last": f"({i} == {n} - 1)",
                "length": f"{n}", "revindex": f"({n} - {i})", "revindex0": f"({n} - {i} - 1)"}[node.attr]

    def filter_(self, node: nodes.Filter) -> str:
        if node.dyn_args is not None or node.dyn_kwargs is not None or node.node is None:
            raise self.fail(node, f"the filter {node.name!r} with *args, **kwargs or as a block")
        value = self.expr(node.node)
        args = [self.expr(a) for a in node.args]
        kwargs: dict[str, nodes.Expr] = {str(k.key): k.value for k in node.kwargs}
        if node.name in self.filters:
            self.used_filters.add(node.name)
            call = args + [f"{k}={self.expr(v)}" for k, v in kwargs.items()]
            return f"f_{node.name}({', '.join([value, *call])})"
        if node.name == "join" and not kwargs and len(args) <= 1:
            return f"join({', '.join([value, *args])})"
        if node.name in ("length", "list") and not args and not kwargs:
            return f"{'len' if node.name == 'length' else 'list'}({value})"
        if node.name == "map":
            if not args and set(kwargs) == {"attribute"}:
                attr = kwargs["attribute"]
                if isinstance(attr, nodes.Const) and isinstance(attr.value, str) and "." not in attr.value:
                    return f"map_attribute({value}, {attr.value!r}, T)"
            elif args and isinstance(node.args[0], nodes.Const) and node.args[0].value in self.filters:
                fn = node.args[0].value
                self.used_filters.add(fn)
                rest = args[1:] + [f"{k}={self.expr(v)}" for k, v in kwargs.items()]
                return f"map_filter({', '.join([value, f'f_{fn}', *rest])})"
        raise self.fail(node, f"the filter {node.name!r} with these arguments")


def _paren(node: nodes.Node, text: str) -> str:
    return f"({text})" if isinstance(node, nodes.Tuple) else text


def _store_names(target: nodes.Node) -> set[str]:
    return {n.name for n in target.find_all(nodes.Name)} | ({target.name} if isinstance(target, nodes.Name) else set())


def _walk_frame(body: list[nodes.Node]) -> Iterator[nodes.Node]:
    """The nodes of one frame: not into the bodies of nested for loops (their own frames)."""
    for node in body:
        yield node
        if isinstance(node, nodes.For):
            yield from _walk_expr(node.iter)
            yield from _walk_expr(node.target)
        else:
            for child in node.iter_child_nodes():
                yield from _walk_frame([child])


def _walk_expr(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk_expr(child)


def _frame_names(body: list[nodes.Node]) -> set[str]:
    """Names the frame of ``body`` binds with set (or, for the template frame, uses at all)."""
    out: set[str] = set()
    for node in _walk_frame(body):
        if isinstance(node, nodes.Assign):
            out |= _store_names(node.target)
    return out


def _loop_uses(body: list[nodes.Node]) -> list[nodes.Getattr]:
    return [n for n in _walk_frame(body) if isinstance(n, nodes.Getattr) and isinstance(n.node, nodes.Name)
            and n.node.name == "loop"]


def _all_names(tree: nodes.Template) -> set[str]:
    return {n.name for n in tree.find_all(nodes.Name) if n.name != "loop"}


def compile_template(target: str, name: str, source: str, filters: tuple[str, ...], names: list[str]) -> str:
    """The Python function of template ``name`` (``names``: the templates it may include)."""
    try:
        tree = jinja2.Environment(**templating.settings()).parse(source, name, f"templates/{target}/{name}")
    except jinja2.TemplateSyntaxError as e:
        raise CompileError(f"templates/{target}/{name}:{e.lineno}: {e.message}") from None
    return "\n".join(_TemplateCompiler(target, name, set(filters), set(names)).compile(tree))


def compile_target(target: str, filters: tuple[str, ...]) -> str:
    """The Python module for ``target``'s built-in templates."""
    names = template_names(target)
    folder = templating.templates_dir() / target
    functions = [compile_template(target, name, (folder / name).read_text(encoding="utf-8"), filters, names)
                 for name in names]
    registry = "\n".join(f"    {n!r}: {function_name(n)}," for n in names)
    return (
        f"# Generated by stepflow-codegen's template compiler from templates/{target}/*.jinja. Do not edit.\n"
        "# Regenerate: python -m stepflow_codegen.templating_compile\n"
        f'"""The built-in {target} templates as plain Python (see codegen/templating_compile.py)."""\n'
        "\n"
        "# ruff: noqa\n"
        "from __future__ import annotations\n"
        "\n"
        f"from . import {', '.join(_HELPERS)}\n"
        "\n"
        "TYPE_CHECKING = False  # typing is not imported at run time\n"
        "if TYPE_CHECKING:\n"
        "    from typing import Any\n"
        "\n"
        f"DIGEST = {templating._sources_digest(target, names)!r}\n"
        "\n\n"
        + "\n\n\n".join(functions)
        + "\n\n\nTEMPLATES = {\n"
        + registry
        + "\n}\n"
    )


def _target_filters(target: str) -> tuple[str, ...]:
    """The names of ``target``'s filters (``FILTERS`` of its render module)."""
    import importlib

    filters: tuple[tuple[str, Any], ...] = importlib.import_module(f"{__package__}.targets.{target}.render").FILTERS
    return tuple(name for name, _ in filters)


def output_path(target: str) -> Path:
    return Path(__file__).resolve().parent / "_compiled" / f"{target}.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stepflow_codegen.templating_compile", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report modules that are out of date (exit 1)")
    args = parser.parse_args(argv)
    stale = []
    for target in TARGETS:
        text = compile_target(target, _target_filters(target))
        path = output_path(target)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
