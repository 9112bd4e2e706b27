"""The validation graph (:mod:`stepflow_codegen.ir.validation`) -> ``_validators.py``.

One function per node reachable from the package's declarations, implementing exactly the
semantics of :mod:`stepflow_codegen.ir.evaluate` (the reference the tests compare with):

* each function takes the JSON value (builtins only: ``dict``, ``list``, ``str``, ``int``,
  ``float``, ``bool``, ``None``) and returns ``None`` when it holds, else a ``_runtime.Fail``
  (node, keyword, and the instance path as a reversed list of tokens, appended only while a
  failure propagates: valid values never build a pointer);
* when some reachable node tracks evaluation (``unevaluated*``), every function takes a second
  argument, the ``_runtime.Seen`` of the caller (or None); when ``validation.dynamic``, a last
  argument, the dynamic scope (a tuple of resource ids).  Otherwise a function takes the value only;
* the JSON kind is read once (``t = type(x)``); keywords that apply to one kind sit under one test;
* constants (``const``, ``enum``, property names, patterns) are module-level names whose values are
  written by :func:`~.escape.py_literal` / :func:`~.escape.py_str` only; identifiers come from node
  ids only (``_v12``, ``_K3``, ``_P0``...);
* ECMA-262 patterns are translated by ``analysis.ecma_regex`` and compiled once at import.  A
  pattern Python ``re`` cannot express (no translation) is a ``pattern-unsupported`` warning with
  the schema location; the check then fails closed (no string matches it), so nothing invalid is
  ever accepted.  Without the ``analysis.ecma_regex`` module (an older tool) the pattern is used as
  written when Python compiles it (what the reference evaluator does), else it fails closed.
"""

from __future__ import annotations

import re

from ...diagnostics import Diagnostics
from ...ir import validation as v
from ...ir.formats import ASSERTED
from ...ir.model import MISSING
from ...records import dataclass
from .escape import py_literal, py_str
from .format import LINE_LENGTH, format_chunk
from .layout import exploded

__all__ = ["ValidatorModule", "build_validators", "format_function", "translate_pattern"]

_SCALAR = {"null": "_NONE", "boolean": "bool", "object": "dict", "array": "list", "string": "str"}


def format_function(fmt: str) -> str:
    """The function of ``_formats.py`` checking an asserted format (``date-time`` -> ``is_date_time``):
    a name from :data:`~...ir.formats.ASSERTED`, never from input text."""
    assert fmt in ASSERTED, fmt
    return "is_" + fmt.replace("-", "_")


def translate_pattern(pattern: str) -> tuple[str | None, str | None]:
    """(Python ``re`` source or None, a note when it cannot be used as is)."""
    try:
        from ...analysis import ecma_regex  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        try:
            re.compile(pattern)
        except re.error as e:
            return None, f"Python cannot compile it ({e})"
        return pattern, None
    try:
        t = ecma_regex.translate(pattern)
    except ecma_regex.PatternError as e:  # the front end reports it; fail closed here
        return None, str(e)
    if t.python is None:
        return None, "Python's re cannot express it" + (f" ({'; '.join(t.notes)})" if t.notes else "")
    return t.python, None


@dataclass
class ValidatorModule:
    """``_validators.py``: its text, and whether it calls the format checks (``_formats.py``)."""

    text: str
    formats: bool = False


def _pure_ref(n: v.Node, dynamic: bool, validation: v.Validation | None = None, any_ref: bool = False) -> bool:
    """The node only applies ``$ref`` (its function would just call the target's); an asserted
    ``format`` (``validation.asserted_format``) is a keyword of its own.  ``any_ref``: whether it
    holds a reference or not (only the other keywords are looked at)."""
    if (n.ref is None and not any_ref) or (dynamic and n.resource is not None):
        return False
    if validation is not None and validation.asserted_format(n) is not None:
        return False
    return v.node_keywords(n) <= {"ref", "format"}


def _json_key(value: object) -> str:
    """A key telling JSON values apart exactly as py_literal does (1, 1.0 and True differ)."""
    return type(value).__name__ + ":" + py_literal(value)


class _Gen:
    def __init__(self, validation: v.Validation, nodes: list[int], diags: Diagnostics):
        self.v = validation
        self.nodes = nodes
        self.diags = diags
        self.track = any(validation.nodes[n].tracks_evaluation for n in nodes)
        self.dyn = validation.dynamic
        self.consts: dict[str, str] = {}
        self.const_lines: list[str] = []
        self.patterns: dict[str, str | None] = {}
        self.pattern_lines: list[str] = []
        self.tables: list[str] = []
        """Module-level tables of functions (after the functions: they name them)."""
        self.alias: dict[int, int] = {}
        for nid in nodes:
            target = nid
            path = {nid}
            while _pure_ref(validation.nodes[target], self.dyn, validation):
                nxt = validation.nodes[target].ref
                assert nxt is not None
                if nxt in path:
                    break
                path.add(nxt)
                target = nxt
            if target != nid and not _pure_ref(validation.nodes[target], self.dyn, validation):
                self.alias[nid] = target
        self.class_sets: dict[str, str] = {}
        self.formats: set[str] = set()
        """The format checks the functions call (imported from ``_formats``)."""

    # -- names ------------------------------------------------------------------------------
    def const(self, source: str, key: str | None = None, items: list[str] | None = None,
              set_items: list[str] | None = None) -> str:
        """The module constant holding ``source``; ``items``: ``source`` is the tuple of these
        integer literals (laid out as a table when it does not fit on a line); ``set_items``:
        ``source`` is ``frozenset({...})`` of these string literals (likewise, see :func:`_set_table`)."""
        key = key if key is not None else source
        name = self.consts.get(key)
        if name is None:
            name = f"_K{len(self.consts)}"
            self.consts[key] = name
            if items is not None:
                self.const_lines.append(_table(f"{name} = (", items, ")"))
            elif set_items is not None:
                self.const_lines.append(_set_table(name, set_items))
            else:
                self.const_lines.append(format_chunk(f"{name} = {source}\n"))
        return name

    def pattern(self, pat: str, node: v.Node, where: str, what: str = "every string it applies to") -> str | None:
        if pat in self.patterns and self.patterns[pat] is not None:
            return self.patterns[pat]
        py, note = translate_pattern(pat)
        if py is None:  # reported at every location it applies to
            self.diags.warning(
                "pattern-unsupported",
                node.source.file,
                node.source.pointer + where,
                f"the pattern cannot be checked in Python ({note}): the Python validator rejects {what}",
            )
            self.patterns[pat] = None
            return None
        name = f"_P{len(self.pattern_lines)}"
        self.patterns[pat] = name
        self.pattern_lines.append(format_chunk(f"{name} = re.compile({py_str(py)})\n"))
        return name

    def args(self, out: str = "None", scope: str = "s") -> str:
        a = []
        if self.track:
            a.append(out)
        if self.dyn:
            a.append(scope)
        return ", ".join(a)

    def trivial(self, nid: int) -> bool:
        """The node (after pure references) holds for every value and annotates nothing."""
        n = self.v.nodes[self.alias.get(nid, nid)]
        if n.ref is not None or (self.dyn and n.resource is not None):
            return False
        return _pure_ref(n, self.dyn, self.v, any_ref=True)

    def fn(self, nid: int) -> str:
        """The function of node ``nid``: a node that only holds ``$ref`` is its target's function."""
        return f"_v{self.alias.get(nid, nid)}"

    def call(self, nid: int, x: str, out: str = "None") -> str:
        rest = self.args(out)
        return f"{self.fn(nid)}({x}{', ' + rest if rest else ''})"

    def fcall(self, f: str, x: str, out: str = "None") -> str:
        rest = self.args(out)
        return f"{f}({x}{', ' + rest if rest else ''})"

    def signature(self, nid: int) -> str:
        params = ["x: Any"]
        if self.track:
            params.append("out: Seen | None = None")
        if self.dyn:
            params.append("s: tuple[int, ...] = ()")
        return f"def _v{nid}({', '.join(params)}) -> Fail | None:"

    # -- one node ---------------------------------------------------------------------------
    def function(self, n: v.Node) -> str:
        L: list[str] = [self.signature(n.id)]
        nid = n.id
        tracks = self.track and n.tracks_evaluation
        seen = "seen" if tracks else "None"

        def fail(keyword: str, ind: int) -> None:
            L.append(" " * ind + f'return Fail({nid}, "{keyword}")')

        def check(expr: str, ind: int) -> None:
            sp = " " * ind
            L.append(f"{sp}e = {expr}")
            L.append(f"{sp}if e is not None:")
            L.append(f"{sp}    return e")

        if n.never:
            L.append(f'    return Fail({nid}, "false")')
            return "\n".join(L) + "\n"
        if n.resource is not None and self.dyn:
            L.append(f"    s = s + ({n.resource},)")
        if tracks:
            L.append("    seen = Seen()")
        L.append("    t = type(x)")
        # -- type
        if n.types is not None:
            cond = self.type_test(n.types, n.integer_strict)
            if cond is not None:
                L.append(f"    if {cond}:")
                fail("type", 8)
        # -- const / enum
        if n.const is not MISSING:
            L.append(f"    if {self.eq_test(n.const)}:")
            fail("const", 8)
        if n.enum is not None:
            L.append(f"    if {self.enum_test(n.enum)}:")
            fail("enum", 8)
        # -- numbers
        num: list[str] = []
        for attr, op, kw in (
            ("minimum", "<", "minimum"),
            ("maximum", ">", "maximum"),
            ("exclusive_minimum", "<=", "exclusiveMinimum"),
            ("exclusive_maximum", ">=", "exclusiveMaximum"),
        ):
            value = getattr(n, attr)
            if value is not None:
                num.append(f"        if x {op} {py_literal(value)}:")
                num.append(f'            return Fail({nid}, "{kw}")')
        if n.multiple_of is not None:
            num.append(f"        if not is_multiple(x, {py_literal(n.multiple_of)}):")
            num.append(f'            return Fail({nid}, "multipleOf")')
        strs: list[str] = []
        if n.min_length is not None:
            strs.append(f"        if len(x) < {n.min_length}:")
            strs.append(f'            return Fail({nid}, "minLength")')
        if n.max_length is not None:
            strs.append(f"        if len(x) > {n.max_length}:")
            strs.append(f'            return Fail({nid}, "maxLength")')
        if n.pattern is not None:
            p = self.pattern(n.pattern, n, "/pattern")
            if p is None:
                strs.append(f'        return Fail({nid}, "pattern")')
            else:
                strs.append(f"        if {p}.search(x) is None:")
                strs.append(f'            return Fail({nid}, "pattern")')
        fmt = self.v.asserted_format(n)
        if fmt is not None:
            checker = format_function(fmt)
            self.formats.add(checker)
            strs.append(f"        if not {checker}(x):")
            strs.append(f'            return Fail({nid}, "format")')
        L += self.blocks(n, [("number", "t is int or t is float", num), ("string", "t is str", strs)])
        # -- in-place applicators
        if n.ref is not None and not self.trivial(n.ref):
            check(self.call(n.ref, "x", seen), 4)
        if n.dynamic_ref is not None:
            d = n.dynamic_ref
            if self.dyn and d.candidates:
                table = f"_D{nid}"
                entries = [f"{r}: {self.fn(c)}" for r, c in d.candidates]
                self.tables.append(_table(f"{table}: dict[int, Validator] = {{", entries, "}"))
                L.append(f"    f: Validator = {self.fn(d.initial)}")
                L.append("    for r in s:")
                L.append(f"        g = {table}.get(r)")
                L.append("        if g is not None:")
                L.append("            f = g")
                L.append("            break")
                check(self.fcall("f", "x", seen), 4)
            else:
                check(self.call(d.initial, "x", seen), 4)
        for c in n.all_of:
            if not self.trivial(c):
                check(self.call(c, "x", seen), 4)
        if n.any_of:
            table = self.func_table("A", nid, n.any_of)
            if tracks:
                L.append("    ok = False")
                L.append(f"    for f in {table}:")
                L.append(f"        if {self.fcall('f', 'x', seen)} is None:")
                L.append("            ok = True")
                L.append("    if not ok:")
                fail("anyOf", 8)
            elif len(n.any_of) == 1:
                L.append(f"    if {self.call(n.any_of[0], 'x')} is not None:")
                fail("anyOf", 8)
            else:
                L.append(f"    for f in {table}:")
                L.append(f"        if {self.fcall('f', 'x')} is None:")
                L.append("            break")
                L.append("    else:")
                fail("anyOf", 8)
        if n.one_of:
            table = self.func_table("O", nid, n.one_of)
            L.append("    c = 0")
            L.append(f"    for f in {table}:")
            L.append(f"        if {self.fcall('f', 'x', seen)} is None:")
            L.append("            c += 1")
            L.append("            if c > 1:")
            L.append("                break")
            L.append("    if c != 1:")
            fail("oneOf", 8)
        if n.not_ is not None:
            L.append(f"    if {self.call(n.not_, 'x')} is None:")
            fail("not", 8)
        if n.if_ is not None and (n.then is not None or n.else_ is not None or tracks):
            L.append(f"    if {self.call(n.if_, 'x', seen)} is None:")
            if n.then is not None:
                check(self.call(n.then, "x", seen), 8)
            else:
                L.append("        pass")
            if n.else_ is not None:
                L.append("    else:")
                check(self.call(n.else_, "x", seen), 8)
        # -- arrays and objects
        arr = self.array_block(n, seen)
        obj = self.object_block(n, seen)
        L += self.blocks(n, [("array", "t is list", arr), ("object", "t is dict", obj)])
        if tracks:
            L.append("    if out is not None:")
            L.append("        out.merge(seen)")
        L.append("    return None")
        return "\n".join(L) + "\n"

    def blocks(self, n: v.Node, blocks: list[tuple[str, str, list[str]]]) -> list[str]:
        """Keyword blocks of one JSON kind each (``if t is ...:`` / ``elif``), or unindented when the
        node's ``type`` admits that kind only; blocks of kinds ``type`` excludes are dropped."""
        admitted = None
        if n.types is not None:
            admitted = {"number" if k == "integer" else k for k in n.types}
        live = [(k, c, b) for k, c, b in blocks if b and (admitted is None or k in admitted)]
        if not live:
            return []
        if admitted is not None and len(admitted) == 1 and len(live) == 1:
            return [line[4:] for line in live[0][2]]
        out: list[str] = []
        for i, (_, cond, body) in enumerate(live):
            out.append(f"    {'if' if i == 0 else 'elif'} {cond}:")
            out += body
        return out

    def func_table(self, prefix: str, nid: int, children: tuple[int, ...]) -> str:
        name = f"_{prefix}{nid}"
        self.tables.append(_table(f"{name}: tuple[Validator, ...] = (", [self.fn(c) for c in children], ")"))
        return name

    # -- kinds and equality -----------------------------------------------------------------
    def type_test(self, types: tuple[str, ...], strict: bool) -> str | None:
        """The condition under which ``x`` (of class ``t``) is NOT of one of ``types``."""
        classes: list[str] = []
        for k in types:
            if k == "number":
                classes += ["int", "float"]
            elif k == "integer":
                classes.append("int")
            else:
                classes.append(_SCALAR[k])
        classes = list(dict.fromkeys(classes))
        tests = ["x is not None" if c == "_NONE" else f"t is not {c}" for c in classes]
        if len(tests) <= 2:
            base = " and ".join(tests)
        else:
            key = ", ".join(sorted(classes))
            name = self.class_sets.get(key)
            if name is None:
                name = self.class_sets[key] = f"_T{len(self.class_sets)}"
                self.const_lines.append(f"{name}: frozenset[type] = frozenset({{{key}}})\n")
            base = f"t not in {name}"
        if "integer" in types and "number" not in types and not strict:
            return f"{base} and not (t is float and x.is_integer())"
        return base

    def eq_test(self, value: object) -> str:
        """The condition under which ``x`` is NOT JSON-equal to ``value``."""
        if value is None:
            return "x is not None"
        if value is True:
            return "x is not True"
        if value is False:
            return "x is not False"
        if isinstance(value, str):
            return f"t is not str or x != {self.const(py_str(value))}"
        if isinstance(value, (int, float)):
            return f"(t is not int and t is not float) or x != {py_literal(value)}"
        return f"not json_equal(x, {self.const(py_literal(value), _json_key(value))})"

    def enum_test(self, values: tuple[object, ...]) -> str:
        if values and all(isinstance(e, str) for e in values):
            strs = [py_str(e) for e in dict.fromkeys(values)]  # type: ignore[arg-type]
            lit = "frozenset({" + ", ".join(strs) + "})"
            return f"t is not str or x not in {self.const(lit, set_items=strs)}"
        literals = [py_literal(e) for e in values]
        lit = "(" + ", ".join(literals) + ("," if len(values) == 1 else "") + ")"
        key = "enum:" + ",".join(_json_key(e) for e in values)
        ints = all(type(e) is int for e in values)  # plain integer literals: a table black explodes as such
        return f"not json_in(x, {self.const(lit, key, literals if ints else None)})"

    # -- arrays -----------------------------------------------------------------------------
    def array_block(self, n: v.Node, seen: str) -> list[str]:
        nid = n.id
        tracks = seen == "seen"
        L: list[str] = []
        needs_len = (
            n.min_items is not None
            or n.max_items is not None
            or bool(n.prefix_items)
            or (n.items is not None and bool(n.prefix_items))
            or n.unevaluated_items is not None
            or (tracks and n.items is not None)
        )
        if needs_len:
            L.append("        n = len(x)")
        if n.min_items is not None:
            L.append(f"        if n < {n.min_items}:")
            L.append(f'            return Fail({nid}, "minItems")')
        if n.max_items is not None:
            L.append(f"        if n > {n.max_items}:")
            L.append(f'            return Fail({nid}, "maxItems")')
        if n.unique_items:
            L.append("        dup = duplicate(x)")
            L.append("        if dup is not None:")
            L.append(f'            return Fail({nid}, "uniqueItems").at(dup)')
        for j, c in enumerate(n.prefix_items):
            L.append(f"        if n > {j}:")
            L.append(f"            e = {self.call(c, f'x[{j}]')}")
            L.append("            if e is not None:")
            L.append(f"                return e.at({j})")
            if tracks:
                L.append(f"            seen.items.add({j})")
        if n.items is not None and self.trivial(n.items):
            if tracks:
                L.append(f"        seen.items.update(range({len(n.prefix_items)}, n))")
        elif n.items is not None:
            start = len(n.prefix_items)
            if start:
                L.append(f"        for i in range({start}, n):")
                L.append(f"            e = {self.call(n.items, 'x[i]')}")
            else:
                L.append("        for i, y in enumerate(x):")
                L.append(f"            e = {self.call(n.items, 'y')}")
            L.append("            if e is not None:")
            L.append("                return e.at(i)")
            if tracks:
                L.append(f"        seen.items.update(range({start}, n))")
        if n.contains is not None:
            low = 1 if n.min_contains is None else n.min_contains
            kw = "minContains" if n.min_contains is not None else "contains"
            L.append("        m = 0")
            L.append("        for i, y in enumerate(x):")
            L.append(f"            if {self.call(n.contains, 'y')} is None:")
            L.append("                m += 1")
            if tracks:
                L.append("                seen.items.add(i)")
            L.append(f"        if m < {low}:")
            L.append(f'            return Fail({nid}, "{kw}")')
            if n.max_contains is not None:
                L.append(f"        if m > {n.max_contains}:")
                L.append(f'            return Fail({nid}, "maxContains")')
        if n.unevaluated_items is not None:
            L.append("        for i, y in enumerate(x):")
            L.append("            if i not in seen.items:")
            L.append(f"                e = {self.call(n.unevaluated_items, 'y')}")
            L.append("                if e is not None:")
            L.append("                    return e.at(i)")
            L.append("        seen.items.update(range(n))")
        return L

    # -- objects ----------------------------------------------------------------------------
    def object_block(self, n: v.Node, seen: str) -> list[str]:
        nid = n.id
        tracks = seen == "seen"
        L: list[str] = []
        if n.required:
            if len(n.required) == 1:
                L.append(f"        if {self.const(py_str(n.required[0]))} not in x:")
            else:
                lit = "frozenset({" + ", ".join(py_str(r) for r in n.required) + "})"
                L.append(f"        if not x.keys() >= {self.const(lit)}:")
            L.append(f'            return Fail({nid}, "required")')
        if n.min_properties is not None:
            L.append(f"        if len(x) < {n.min_properties}:")
            L.append(f'            return Fail({nid}, "minProperties")')
        if n.max_properties is not None:
            L.append(f"        if len(x) > {n.max_properties}:")
            L.append(f'            return Fail({nid}, "maxProperties")')
        for name, needs in n.dependent_required:
            if not needs:
                continue
            lit = "frozenset({" + ", ".join(py_str(r) for r in needs) + "})"
            L.append(f"        if {self.const(py_str(name))} in x and not x.keys() >= {self.const(lit)}:")
            L.append(f'            return Fail({nid}, "dependentRequired")')
        per_key = (
            n.properties
            or n.pattern_properties
            or n.additional_properties is not None
            or n.property_names is not None
        )
        if per_key:
            L += self.key_loop(n, tracks)
        for name, c in n.dependent_schemas:
            L.append(f"        if {self.const(py_str(name))} in x:")
            check_lines = [
                f"            e = {self.call(c, 'x', seen)}",
                "            if e is not None:",
                "                return e",
            ]
            L += check_lines
        if n.unevaluated_properties is not None:
            L.append("        for k, y in x.items():")
            L.append("            if k not in seen.props:")
            L.append(f"                e = {self.call(n.unevaluated_properties, 'y')}")
            L.append("                if e is not None:")
            L.append("                    return e.at(k)")
            L.append("        seen.props.update(x)")
        return L

    def key_loop(self, n: v.Node, tracks: bool) -> list[str]:
        nid = n.id
        L: list[str] = []
        props = None
        if n.properties:
            props = f"_M{nid}"
            entries = [f"{self.const(py_str(k))}: {self.fn(c)}" for k, c in n.properties]
            self.tables.append(_table(f"{props}: dict[str, Validator] = {{", entries, "}"))
        add = n.additional_properties
        add_never = add is not None and self.v.nodes[add].never
        simple = not n.pattern_properties and n.property_names is None and not tracks
        if simple and add is not None and self.trivial(add):
            add = None  # any value is fine for the other keys
            if props is None and n.property_names is None:
                return []
        L.append("        for k, y in x.items():")
        if n.property_names is not None:
            L.append(f"            e = {self.call(n.property_names, 'k')}")
            L.append("            if e is not None:")
            L.append('                e.keyword = "propertyNames"')
            L.append("                return e.at(k)")
        if simple:
            if props is not None:
                L.append(f"            h = {props}.get(k)")
                L.append("            if h is not None:")
                L.append(f"                e = {self.fcall('h', 'y')}")
                L.append("                if e is not None:")
                L.append("                    return e.at(k)")
                if add is not None:
                    L.append("            else:")
                    if add_never:
                        L.append(f'                return Fail({add}, "false").at(k)')
                    else:
                        L.append(f"                e = {self.call(add, 'y')}")
                        L.append("                if e is not None:")
                        L.append("                    return e.at(k)")
            elif add is not None:
                if add_never:
                    L.append(f'            return Fail({add}, "false").at(k)')
                else:
                    L.append(f"            e = {self.call(add, 'y')}")
                    L.append("            if e is not None:")
                    L.append("                return e.at(k)")
            return L
        L.append("            hit = False")
        if props is not None:
            L.append(f"            h = {props}.get(k)")
            L.append("            if h is not None:")
            L.append("                hit = True")
            L.append(f"                e = {self.fcall('h', 'y')}")
            L.append("                if e is not None:")
            L.append("                    return e.at(k)")
        for pat, c in n.pattern_properties:
            token = pat.replace("~", "~0").replace("/", "~1")
            p = self.pattern(pat, n, "/patternProperties/" + token, "every object with a key")
            if p is None:
                # the key matches nothing Python can check: fail closed on every key
                L.append(f'            return Fail({nid}, "pattern").at(k)')
                continue
            L.append(f"            if {p}.search(k) is not None:")
            L.append("                hit = True")
            L.append(f"                e = {self.call(c, 'y')}")
            L.append("                if e is not None:")
            L.append("                    return e.at(k)")
        if add is not None:
            L.append("            if not hit:")
            if add_never:
                L.append(f'                return Fail({add}, "false").at(k)')
            else:
                L.append(f"                e = {self.call(add, 'y')}")
                L.append("                if e is not None:")
                L.append("                    return e.at(k)")
                L.append("                hit = True")
        if tracks:
            L.append("            if hit:")
            L.append("                seen.props.add(k)")
        return L


def _table(head: str, items: list[str], close: str) -> str:
    """``head`` + the items as a display + ``close`` (one statement), laid out as black lays it out.

    ``head`` ends with the display's opening bracket, which is the statement's last one, and the items
    are names, integers or ``name: name`` pairs (no brackets, no strings).  On one line when it fits;
    else black explodes the display one item per line with a trailing comma, written so here
    directly (``tests/test_layout.py`` compares every table of the protocol, the fixtures and
    Kubernetes with black): the layout module would reach the same lines, but splitting such
    statements was most of its work on a validators module.  A one-item tuple keeps its comma.
    """
    one = head + ", ".join(items) + ("," if len(items) == 1 and close == ")" else "") + close
    fits = len(one) <= LINE_LENGTH
    if fits or len(items) < 2 or len(head) > LINE_LENGTH or max(map(len, items)) > LINE_LENGTH - 5:
        return format_chunk(one + "\n")  # on one line, or left to the layout module
    return format_chunk("\n".join(exploded(head, items, 0, close)) + "\n")


def _set_table(name: str, items: list[str]) -> str:
    """``{name} = frozenset({items})`` (string literals, at least one), laid out as black lays it out.

    On one line when it fits.  Else black splits at the call's parentheses: the set display on a
    line of its own when it fits there, else exploded one item per line with a trailing comma (a
    set display is a collection).  Written so here directly (``tests/test_layout.py`` compares it
    with black on every such constant of the protocol, the fixtures and Kubernetes, and on seeded
    random ones); an item too long for its line, or non-ASCII text, is left to the layout module.
    """
    one = f"{name} = frozenset({{{', '.join(items)}}})"
    if len(one) <= LINE_LENGTH or not one.isascii() or len(name) + 13 > LINE_LENGTH:
        return format_chunk(one + "\n")
    body = "    {" + ", ".join(items) + "}"
    if len(body) <= LINE_LENGTH:
        return f"{name} = frozenset(\n{body}\n)\n"
    if len(items) < 2 or max(map(len, items)) + 9 > LINE_LENGTH:
        return format_chunk(one + "\n")
    return f"{name} = frozenset(\n" + "\n".join(exploded("    {", items, 4, "}")) + "\n)\n"


_T_LINE = "    t = type(x)"
_T_USED = re.compile(r"\bt\b")


def _drop_unused_t(text: str) -> str:
    """``text`` without its ``t = type(x)`` lines if nothing else names ``t`` (one search of the
    other lines joined: a newline is no word character, so no match spans two lines)."""
    lines = text.split("\n")
    kept = [line for line in lines if line != _T_LINE]
    if len(kept) == len(lines):
        return text
    rest = "\n".join(kept)
    return text if _T_USED.search(rest) else rest


HEADER_DOC = '''"""Validators generated from the schemas' validation graph (private to this package).

One function per schema location: it returns None when the JSON value holds, else a
``_runtime.Fail`` (node, keyword and instance path).  ``VALIDATORS`` maps each generated type's
name to the function of its schema, ``EXACT`` names the types whose msgspec type accepts nothing the
schema rejects (their typed decode needs no validation), and ``SCHEMA`` gives the schema location
of each node.
"""'''


def build_validators(
    validation: v.Validation | None,
    decl_nodes: dict[str, int],
    names: dict[str, str],
    exact: frozenset[str],
    header: str,
    diags: Diagnostics,
    authors: frozenset[str] = frozenset(),
) -> ValidatorModule:
    """``_validators.py``.

    ``decl_nodes``: declaration id -> node; ``names``: declaration id -> Python name; ``exact``:
    declaration ids whose typed decode needs no validation; ``authors``: the declarations of
    ``component_types.py``, whose names are in ``COMPONENT_VALIDATORS`` and ``COMPONENT_EXACT``
    (a name of their own module may also be a protocol type's).
    """
    lines = [header, HEADER_DOC, "", "from __future__ import annotations", ""]
    if validation is None or not decl_nodes:
        lines += [
            "from ._runtime import Validator",
            "",
            "VALIDATORS: dict[str, Validator] = {}",
            "EXACT: frozenset[str] = frozenset()",
            *(
                ["COMPONENT_VALIDATORS: dict[str, Validator] = {}", "COMPONENT_EXACT: frozenset[str] = frozenset()"]
                if authors
                else []
            ),
            "SCHEMA: dict[int, str] = {}",
            "",
        ]
        return ValidatorModule("\n".join(lines))
    order = validation.reachable_from(decl_nodes.values())
    order.sort()
    gen = _Gen(validation, order, diags)
    funcs = [_drop_unused_t(gen.function(validation.nodes[nid])) for nid in order if nid not in gen.alias]
    funcs = [format_chunk(f) for f in funcs]
    names_used = ["Fail", "Validator"]
    body = "\n\n".join(funcs)
    for helper in ("Seen", "duplicate", "is_multiple", "json_equal", "json_in"):
        if helper + "(" in body or f"{helper} |" in body:
            names_used.append(helper)
    needs_re = bool(gen.pattern_lines)
    lines += (["import re"] if needs_re else []) + ["from typing import Any", ""]
    lines.append(f"from ._runtime import {', '.join(sorted(names_used, key=str.lower))}")
    if gen.formats:
        lines.append(f"from ._formats import {', '.join(sorted(gen.formats))}")
    lines.append("")
    out = "\n".join(lines) + "\n"
    if "_NONE" in body or any("_NONE" in c for c in gen.const_lines):
        out += "_NONE = type(None)\n"
    if gen.const_lines:
        out += "".join(gen.const_lines)
    if gen.pattern_lines:
        out += "".join(gen.pattern_lines)
    out += "\n\n" + "\n\n".join(funcs)
    out += "\n\n" + "".join(gen.tables) if gen.tables else ""
    groups = [("", False)] + ([("COMPONENT_", True)] if authors else [])
    for prefix, mine in groups:
        top = sorted((d for d in decl_nodes if (d in authors) == mine), key=lambda d: (names[d], d))
        entries = "".join(f"    {py_str(names[d])}: {gen.fn(decl_nodes[d])},\n" for d in top)
        out += f"\n{prefix}VALIDATORS: dict[str, Validator] = {{\n" + entries + "}\n"
        ex = [names[d] for d in top if d in exact]
        if ex:
            out += f"{prefix}EXACT: frozenset[str] = frozenset(\n    {{\n" + "".join(f"        {py_str(x)},\n" for x in ex) + "    }\n)\n"
        else:
            out += f"{prefix}EXACT: frozenset[str] = frozenset()\n"
    schema = "".join(
        f"    {nid}: {py_str(validation.nodes[nid].source.file + '#' + validation.nodes[nid].source.pointer)},\n"
        for nid in order
    )
    out += "SCHEMA: dict[int, str] = {\n" + schema + "}\n"
    return ValidatorModule(out, bool(gen.formats))
