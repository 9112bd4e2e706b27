"""Rust validator functions generated from the IR's validation graph (:mod:`...ir.validation`).

One function per validation node reachable from the crate's declarations, over
``&serde_json::Value``, implementing exactly the semantics of :mod:`...ir.evaluate` (the reference
interpreter the tests compare the generated crate with).  Every node function has the signature
``fn nN(x: &Value, cx: &mut Cx, at: &Path<'_>, out: Out<'_>) -> bool`` (``Out`` is where the node
reports the keys and indices it evaluated, for ``unevaluated*``); ``Cx`` carries the violations,
the depth, the dynamic scope and whether failures are only tested (inside ``anyOf``, ``not``...)
or collected (everywhere else: every violation is reported with its JSON pointer and keyword).

Schema text (property names, patterns, constants, messages) never appears inside a function: every
string is a ``const`` of the module laid out with :mod:`.layout`, so the functions themselves have
a length rustfmt leaves alone whatever the schema says.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Callable

from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...ir import validation as v
from . import layout
from .escape import NotRepresentable, rust_str

_Lines = Callable[..., list[str]]
"""Emits statements (the per-node helpers ``fail``, ``sub_failed``, ``apply`` of ``_node``)."""
_Call = Callable[..., str]
"""Emits the call of a node function."""

KIND_BITS = {"null": 1, "boolean": 2, "object": 4, "array": 8, "number": 16, "integer": 32, "string": 64}

# first line of every node function (the 4-space indent of the inner module included)
SIGNATURE = "pub(super) fn n{id}({x}: &Value, cx: &mut Cx, at: &Path<'_>, {out}: Out<'_>) -> bool {{"


def _num_literal(value: int | float) -> str:
    """A ``Num`` constant expression for a schema bound."""
    if isinstance(value, bool):  # pragma: no cover - the front end never gives booleans here
        value = int(value)
    if isinstance(value, int):
        if -(2**127) <= value < 2**127:
            return f"Num::Int({value})"
        value = float(value)
    if math.isinf(value):
        return "Num::Float(f64::INFINITY)" if value > 0 else "Num::Float(f64::NEG_INFINITY)"
    text = repr(float(value))
    if "e" not in text and "." not in text:
        text += ".0"
    return f"Num::Float({text})"


def _decimal_text(value: int | float) -> str:
    """The decimal text the evaluator divides with (the shortest round-trip text of a double)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(float(value))


@dataclass
class _Fn:
    lines: list[str] = field(default_factory=list)
    uses_x: bool = False
    breaks: bool = False
    fails: bool = False


class NodeRenderer:
    """Renders the node functions of one crate (the ``check`` module of ``types.rs``)."""

    def __init__(self, validation: v.Validation, diags: Diagnostics):
        self.v = validation
        self.diags = diags
        self.strings: dict[str, str] = {}
        self.consts: list[str] = []
        self.patterns: dict[str, str] = {}
        self.statics: list[str] = []
        self.fancy = False
        self.regex = False
        self.formats = False
        """Some node asserts a format: the runtime carries formats.rs."""
        self.format_regex = False
        """Some node asserts the ``regex`` format: the runtime carries format_regex.rs (and needs ``regex``)."""
        self.json_consts: dict[str, str] = {}
        self.nums: dict[str, str] = {}
        self.dynamic_fns: list[str] = []
        self.needed: list[int] = []
        self._done: set[int] = set()

    # -- pools --------------------------------------------------------------------------------
    def string(self, text: str, source: ir.Source | None = None) -> str:
        name = self.strings.get(text)
        if name is None:
            try:
                lit = rust_str(text)
            except NotRepresentable as e:
                self._warn(source, "unsupported", str(e))
                lit = rust_str(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
            name = f"S{len(self.strings)}"
            self.strings[text] = name
            self.consts.append(layout.assign(4, f"const {name}: &str", lit))
        return name

    def num(self, value: int | float) -> str:
        lit = _num_literal(value)
        name = self.nums.get(lit)
        if name is None:
            name = f"B{len(self.nums)}"
            self.nums[lit] = name
            self.consts.append(layout.assign(4, f"const {name}: Num", lit))
        return name

    def json_const(self, value: object, source: ir.Source) -> str:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        name = self.json_consts.get(text)
        if name is None:
            name = f"J{len(self.json_consts)}"
            self.json_consts[text] = name
            s = self.string(text, source)
            self.statics.append(f"    static {name}: Json = Json::new({s});")
        return name

    def pattern(self, source_text: str, where: ir.Source) -> str:
        name = self.patterns.get(source_text)
        if name is not None:
            return name
        name = f"P{len(self.patterns)}"
        self.patterns[source_text] = name
        s = self.string(source_text, where)
        try:
            from ...analysis import ecma_regex

            t = ecma_regex.translate(source_text)
        except Exception as e:  # PatternError (or the analysis module missing)
            self._warn(where, "pattern-not-enforced", f"the pattern {source_text!r} cannot be translated for Rust ({e}): every value fails it")
            self.statics.append(f"    static {name}: Pattern = Pattern::unsupported({s});")
            return name
        if t.rust is not None:
            self.regex = True
            r = self.string(t.rust, where)
            self.statics.append(layout.assign(4, f"static {name}: Pattern", f"Pattern::new({s}, {r})"))
        elif t.rust_fancy is not None:
            self.regex = True
            self.fancy = True
            r = self.string(t.rust_fancy, where)
            self.statics.append(layout.assign(4, f"static {name}: Pattern", f"Pattern::fancy({s}, {r})"))
        else:
            self._warn(
                where,
                "pattern-not-enforced",
                f"the pattern {source_text!r} has no Rust rendering ({'; '.join(t.notes) or 'unsupported'}): every value fails it",
            )
            self.statics.append(f"    static {name}: Pattern = Pattern::unsupported({s});")
        return name

    def _warn(self, source: ir.Source | None, code: str, message: str) -> None:
        self.diags.warning(code, source.file if source else "", source.pointer if source else "", message)

    # -- nodes --------------------------------------------------------------------------------
    def require(self, nid: int) -> str:
        """The name of node ``nid``'s function (rendering it and everything it reaches)."""
        if nid not in self._done:
            self._done.add(nid)
            self.needed.append(nid)
        return f"n{nid}"

    def render(self) -> str:
        """The ``check`` module's body (without the ``mod`` line): every node required so far
        and every node their functions call."""
        rendered: dict[int, str] = {}
        i = 0
        while i < len(self.needed):
            nid = self.needed[i]
            rendered[nid] = self._node(self.v.nodes[nid])
            i += 1
        fns = [rendered[k] for k in sorted(rendered)]
        parts = []
        if self.consts:
            parts.append("\n".join(self.consts))
        if self.statics:
            parts.append("\n".join(self.statics))
        parts.extend(fns)
        parts.extend(self.dynamic_fns)
        return "\n\n".join(parts)

    def _node(self, n: v.Node) -> str:
        f = _Fn()
        track = n.tracks_evaluation
        body: list[str] = []
        I = 8  # statement indent inside the function

        def fail(keyword: str, message: str, indent: int, at: str = "at") -> list[str]:
            f.fails = True
            f.breaks = True
            msg = self.string(message, n.source)
            pad = " " * indent
            return [
                f"{pad}ok = false;",
                f"{pad}if cx.fail({at}, {rust_str(keyword)}, {msg}) {{",
                f"{pad}    break 'node;",
                f"{pad}}}",
            ]

        def sub_failed(indent: int) -> list[str]:
            """After a subschema (collecting) failed: the node failed; stop when only testing."""
            f.fails = True
            f.breaks = True
            pad = " " * indent
            return [f"{pad}ok = false;", f"{pad}if cx.stop() {{", f"{pad}    break 'node;", f"{pad}}}"]

        def call(nid: int, value: str = "x", at: str = "at", seen: bool = False) -> str:
            self.require(nid)
            return f"n{nid}({value}, cx, {at}, {'Some(&mut seen)' if seen and track else 'None'})"

        def apply(nid: int, indent: int, value: str = "x", at: str = "at", seen: bool = True, cond: str = "") -> list[str]:
            if value == "x":
                f.uses_x = True
            pad = " " * indent
            head = f"if {cond} && !{call(nid, value, at, seen)} {{" if cond else f"if !{call(nid, value, at, seen)} {{"
            return [f"{pad}{head}", *sub_failed(indent + 4), f"{pad}}}"]

        if n.never:
            src = [f"    pub(super) fn n{n.id}(_x: &Value, cx: &mut Cx, at: &Path<'_>, _out: Out<'_>) -> bool {{"]
            src.append(f"        cx.fail(at, \"false\", {self.string('no value is allowed here', n.source)});")
            src += ["        false", "    }"]
            return "\n".join(src)

        if n.types is not None:
            f.uses_x = True
            mask = sum(KIND_BITS[k] for k in n.types)
            strict = "true" if n.integer_strict else "false"
            body.append(f"{' ' * I}// type: {', '.join(n.types)}")
            body.append(f"{' ' * I}if !has_type(x, {mask}, {strict}) {{")
            body += fail("type", "must be " + " or ".join(_article(k) for k in n.types), I + 4)
            body.append(f"{' ' * I}}}")
        if n.const is not ir.MISSING:
            f.uses_x = True
            j = self.json_const(n.const, n.source)
            body.append(f"{' ' * I}if !json_eq(x, {j}.get()) {{")
            body += fail("const", "must be the constant " + _short_json(n.const), I + 4)
            body.append(f"{' ' * I}}}")
        if n.enum is not None:
            f.uses_x = True
            j = self.json_const(list(n.enum), n.source)
            body.append(f"{' ' * I}if !json_in(x, {j}.get()) {{")
            body += fail("enum", "must be one of the enumerated values", I + 4)
            body.append(f"{' ' * I}}}")
        number = [
            ("minimum", n.minimum, "lt", "must be >= "),
            ("maximum", n.maximum, "gt", "must be <= "),
            ("exclusiveMinimum", n.exclusive_minimum, "le", "must be > "),
            ("exclusiveMaximum", n.exclusive_maximum, "ge", "must be < "),
        ]
        if any(b is not None for _, b, _, _ in number) or n.multiple_of is not None:
            f.uses_x = True
            J = I + 4
            body.append(f"{' ' * I}if let Value::Number(num) = x {{")
            for kw, bound, op, msg in number:
                if bound is not None:
                    body.append(f"{' ' * J}if {op}(num, {self.num(bound)}) {{")
                    body += fail(kw, msg + _decimal_text(bound), J + 4)
                    body.append(f"{' ' * J}}}")
            if n.multiple_of is not None:
                m = self.string(_decimal_text(n.multiple_of), n.source)
                body.append(f"{' ' * J}if !multiple_of(num, {m}) {{")
                body += fail("multipleOf", "must be a multiple of " + _decimal_text(n.multiple_of), J + 4)
                body.append(f"{' ' * J}}}")
            body.append(f"{' ' * I}}}")
        fmt = self.v.asserted_format(n)
        if n.min_length or n.max_length is not None or n.pattern is not None or fmt is not None:
            f.uses_x = True
            J = I + 4
            body.append(f"{' ' * I}if let Value::String(text) = x {{")
            if n.min_length or n.max_length is not None:
                body.append(f"{' ' * J}let len = text.chars().count();")
                if n.min_length:
                    body.append(f"{' ' * J}if len < {n.min_length} {{")
                    body += fail("minLength", f"must be at least {n.min_length} characters long", J + 4)
                    body.append(f"{' ' * J}}}")
                if n.max_length is not None:
                    body.append(f"{' ' * J}if {'len != 0' if n.max_length == 0 else f'len > {n.max_length}'} {{")
                    body += fail("maxLength", f"must be at most {n.max_length} characters long", J + 4)
                    body.append(f"{' ' * J}}}")
            if n.pattern is not None:
                p = self.pattern(n.pattern, n.source)
                body.append(f"{' ' * J}if !{p}.is_match(text) {{")
                body += fail("pattern", f"must match the pattern {n.pattern}", J + 4)
                body.append(f"{' ' * J}}}")
            if fmt is not None:
                # the runtime's function for a format of ir.formats.ASSERTED (never input text)
                self.formats = True
                if fmt == "regex":
                    self.format_regex = self.regex = True
                body.append(f"{' ' * J}if !format_{fmt.replace('-', '_')}(text) {{")
                body += fail("format", f"must be a valid {fmt}", J + 4)
                body.append(f"{' ' * J}}}")
            body.append(f"{' ' * I}}}")
        # in-place applicators
        if n.ref is not None:
            body += apply(n.ref, I)
        if n.dynamic_ref is not None:
            f.uses_x = True
            d = n.dynamic_ref
            self.require(d.initial)
            name = f"d{n.id}"
            arms = []
            for r, target in d.candidates:
                self.require(target)
                arms.append(layout.match_arm(12, str(r), f"Some(n{target})"))
            self.dynamic_fns.append(
                "\n".join(
                    [
                        f"    fn {name}(resource: u32) -> Option<NodeFn> {{",
                        "        match resource {",
                        *arms,
                        "            _ => None,",
                        "        }",
                        "    }",
                    ]
                )
            )
            body.append(f"{' ' * I}let target = cx.dynamic({name}, n{d.initial});")
            body.append(f"{' ' * I}if !target(x, cx, at, {'Some(&mut seen)' if track else 'None'}) {{")
            body += sub_failed(I + 4)
            body.append(f"{' ' * I}}}")
        for c in n.all_of:
            body += apply(c, I)
        for kw, branches in (("anyOf", n.any_of), ("oneOf", n.one_of)):
            if not branches:
                continue
            f.uses_x = True
            body.append(f"{' ' * I}cx.hush();")
            body.append(f"{' ' * I}let mut hits = 0;")
            for c in branches:
                body.append(f"{' ' * I}hits += usize::from({call(c, seen=True)});")
            body.append(f"{' ' * I}cx.unhush();")
            if kw == "anyOf":
                body.append(f"{' ' * I}if hits == 0 {{")
                body += fail(kw, "must match at least one subschema (anyOf)", I + 4)
            else:
                body.append(f"{' ' * I}if hits != 1 {{")
                body += fail(kw, "must match exactly one subschema (oneOf)", I + 4)
            body.append(f"{' ' * I}}}")
            # when collecting and no branch held, also report why the closest branch failed
            body.append(f"{' ' * I}if hits == 0 && !cx.stop() {{")
            body.append(f"{' ' * I}    let mut best = Closest::default();")
            for c in branches:
                body.append(f"{' ' * I}    best.check(n{c}, x, cx, at);")
            body.append(f"{' ' * I}    best.report(cx);")
            body.append(f"{' ' * I}}}")
        if n.not_ is not None:
            f.uses_x = True
            body.append(f"{' ' * I}cx.hush();")
            body.append(f"{' ' * I}let held = {call(n.not_)};")
            body.append(f"{' ' * I}cx.unhush();")
            body.append(f"{' ' * I}if held {{")
            body += fail("not", "must not match the subschema (not)", I + 4)
            body.append(f"{' ' * I}}}")
        if n.if_ is not None and (n.then is not None or n.else_ is not None or track):
            f.uses_x = True
            body.append(f"{' ' * I}cx.hush();")
            held = "held" if (n.then is not None or n.else_ is not None) else "_"
            body.append(f"{' ' * I}let {held} = {call(n.if_, seen=True)};")
            body.append(f"{' ' * I}cx.unhush();")
            if n.then is not None and n.else_ is not None:
                body.append(f"{' ' * I}if held {{")
                body += apply(n.then, I + 4)
                body.append(f"{' ' * I}}} else if !{call(n.else_, seen=True)} {{")
                body += sub_failed(I + 4)
                body.append(f"{' ' * I}}}")
            elif n.then is not None:
                body += apply(n.then, I, cond="held")
            elif n.else_ is not None:
                body += apply(n.else_, I, cond="!held")
        body += self._array(n, f, I, fail, sub_failed, call, apply, track)
        body += self._object(n, f, I, fail, sub_failed, call, apply, track)

        x = "x" if f.uses_x else "_x"
        out = "out" if track else "_out"
        src = ["    " + SIGNATURE.format(id=n.id, x=x, out=out)]
        src += ["        if !cx.enter(at) {", "            return false;", "        }"]
        dynamic = self.v.dynamic and n.resource is not None
        if dynamic:
            src.append(f"        cx.push_scope({n.resource});")
        if track:
            src.append("        let mut seen = Seen::default();")
        if f.fails:
            src.append("        let mut ok = true;")
        if f.breaks:
            src.append("        'node: {")
            src += ["    " + line if line else line for line in body]
            src.append("        }")
        else:
            src += body
        if dynamic:
            src.append("        cx.pop_scope();")
        src.append("        cx.leave();")
        result = "ok" if f.fails else "true"
        if track:
            if f.fails:
                src += ["        if let (true, Some(out)) = (ok, out) {", "            out.merge(seen);", "        }"]
            else:
                src += ["        if let Some(out) = out {", "            out.merge(seen);", "        }"]
        src.append(f"        {result}")
        src.append("    }")
        return "\n".join(src)

    def _array(self, n: v.Node, f: _Fn, I: int, fail: _Lines, sub_failed: _Lines, call: _Call, apply: _Lines, track: bool) -> list[str]:
        has = (
            n.min_items
            or n.max_items is not None
            or n.unique_items
            or n.prefix_items
            or n.items is not None
            or n.contains is not None
            or n.unevaluated_items is not None
        )
        if not has:
            return []
        f.uses_x = True
        J = I + 4
        p = " " * J
        out = [f"{' ' * I}if let Value::Array(items) = x {{"]
        if n.min_items:
            out.append(f"{p}if {_len_lt('items', n.min_items)} {{")
            out += fail("minItems", f"must have at least {n.min_items} items", J + 4)
            out.append(f"{p}}}")
        if n.max_items is not None:
            out.append(f"{p}if {_len_gt('items', n.max_items)} {{")
            out += fail("maxItems", f"must have at most {n.max_items} items", J + 4)
            out.append(f"{p}}}")
        if n.unique_items:
            out.append(f"{p}if let Some(index) = duplicate(items) {{")
            out += fail("uniqueItems", "is a duplicate of an earlier item (uniqueItems)", J + 4, "&at.index(index)")
            out.append(f"{p}}}")
        for i, c in enumerate(n.prefix_items):
            get = "first()" if i == 0 else f"get({i})"
            out.append(f"{p}if let Some(item) = items.{get} {{")
            out += apply(c, J + 4, "item", f"&at.index({i})", seen=False)
            if track:
                out.append(f"{p}    seen.item({i});")
            out.append(f"{p}}}")
        if n.items is not None and self.v.nodes[n.items].never:
            out.append(f"{p}if {_len_gt('items', len(n.prefix_items))} {{")
            out += fail("items", f"must have at most {len(n.prefix_items)} items (items)", J + 4, f"&at.index({len(n.prefix_items)})")
            out.append(f"{p}}}")
        elif n.items is not None:
            skip = f".skip({len(n.prefix_items)})" if n.prefix_items else ""
            out.append(f"{p}for (i, item) in items.iter().enumerate(){skip} {{")
            out += apply(n.items, J + 4, "item", "&at.index(i)", seen=False)
            if track:
                out.append(f"{p}    seen.item(i);")
            out.append(f"{p}}}")
        if n.contains is not None:
            out.append(f"{p}cx.hush();")
            out.append(f"{p}let mut matched = 0;")
            out.append(f"{p}for (i, item) in items.iter().enumerate() {{")
            out.append(f"{p}    if {call(n.contains, 'item', '&at.index(i)')} {{")
            out.append(f"{p}        matched += 1;")
            if track:
                out.append(f"{p}        seen.item(i);")
            out.append(f"{p}    }}")
            out.append(f"{p}}}")
            out.append(f"{p}cx.unhush();")
            low = 1 if n.min_contains is None else n.min_contains
            if low > 0:
                cond = "matched == 0" if low == 1 else f"matched < {low}"
                kw = "minContains" if n.min_contains is not None else "contains"
                out.append(f"{p}if {cond} {{")
                out += fail(kw, f"must contain at least {low} matching items", J + 4)
                out.append(f"{p}}}")
            if n.max_contains is not None:
                out.append(f"{p}if matched > {n.max_contains} {{")
                out += fail("maxContains", f"must contain at most {n.max_contains} matching items", J + 4)
                out.append(f"{p}}}")
            if low == 0 and n.max_contains is None:
                out.append(f"{p}let _ = matched;")
        if n.unevaluated_items is not None:
            self_call = call(n.unevaluated_items, "item", "&at.index(i)")
            out.append(f"{p}for (i, item) in items.iter().enumerate() {{")
            out.append(f"{p}    if !seen.has_item(i) && !{self_call} {{")
            out += sub_failed(J + 8)
            out.append(f"{p}    }}")
            out.append(f"{p}}}")
            out.append(f"{p}seen.all_items(items.len());")
        out.append(f"{' ' * I}}}")
        return out

    def _object(self, n: v.Node, f: _Fn, I: int, fail: _Lines, sub_failed: _Lines, call: _Call, apply: _Lines, track: bool) -> list[str]:
        has = (
            n.required
            or n.min_properties
            or n.max_properties is not None
            or n.dependent_required
            or n.properties
            or n.pattern_properties
            or n.additional_properties is not None
            or n.property_names is not None
            or n.dependent_schemas
            or n.unevaluated_properties is not None
        )
        if not has:
            return []
        f.uses_x = True
        J = I + 4
        p = " " * J
        out = [f"{' ' * I}if let Value::Object(map) = x {{"]
        for r in n.required:
            s = self.string(r, n.source)
            out.append(f"{p}if !map.contains_key({s}) {{")
            out += fail("required", "misses the required property " + _short_json(r), J + 4)
            out.append(f"{p}}}")
        if n.min_properties:
            out.append(f"{p}if {_len_lt('map', n.min_properties)} {{")
            out += fail("minProperties", f"must have at least {n.min_properties} properties", J + 4)
            out.append(f"{p}}}")
        if n.max_properties is not None:
            out.append(f"{p}if {_len_gt('map', n.max_properties)} {{")
            out += fail("maxProperties", f"must have at most {n.max_properties} properties", J + 4)
            out.append(f"{p}}}")
        for name, needs in n.dependent_required:
            s = self.string(name, n.source)
            for r in needs:
                t = self.string(r, n.source)
                out.append(f"{p}if map.contains_key({s}) && !map.contains_key({t}) {{")
                out += fail("dependentRequired", f"needs {_short_json(r)} beside {_short_json(name)}", J + 4)
                out.append(f"{p}}}")
        loop = n.pattern_properties or n.additional_properties is not None or n.property_names is not None
        if not loop:
            for name, c in n.properties:
                s = self.string(name, n.source)
                out.append(f"{p}if let Some(value) = map.get({s}) {{")
                out += apply(c, J + 4, "value", f"&at.key({s})", seen=False)
                if track:
                    out.append(f"{p}    seen.prop({s});")
                out.append(f"{p}}}")
        else:
            K = J + 4
            q = " " * K
            loop_at = len(out)
            out.append(f"{p}for (key, value) in map {{")
            out.append(f"{q}let key = key.as_str();")
            out.append(f"{q}let here = at.key(key);")
            if n.property_names is not None:
                out.append(f"{q}cx.hush();")
                out.append(f"{q}let name = {call(n.property_names, '&Value::from(key)', '&here')};")
                out.append(f"{q}cx.unhush();")
                out.append(f"{q}if !name {{")
                out += fail("propertyNames", "is not an allowed property name (propertyNames)", K + 4, "&here")
                out.append(f"{q}}}")
            marks = n.additional_properties is not None or track
            if marks and (n.properties or n.pattern_properties):
                out.append(f"{q}let mut matched = false;")
            for name, c in n.properties:
                s = self.string(name, n.source)
                out.append(f"{q}if key == {s} {{")
                if marks:
                    out.append(f"{q}    matched = true;")
                out += apply(c, K + 4, "value", "&here", seen=False)
                out.append(f"{q}}}")
            for pat, c in n.pattern_properties:
                pn = self.pattern(pat, n.source)
                out.append(f"{q}if {pn}.is_match(key) {{")
                if marks:
                    out.append(f"{q}    matched = true;")
                out += apply(c, K + 4, "value", "&here", seen=False)
                out.append(f"{q}}}")
            if n.additional_properties is not None:
                flag = "matched" if (n.properties or n.pattern_properties) else ""
                # every key is evaluated: by properties, patternProperties, or this
                if self.v.nodes[n.additional_properties].never:
                    message = "is not an allowed property (additionalProperties)"
                    if flag:
                        out.append(f"{q}if !matched {{")
                        out += fail("additionalProperties", message, K + 4, "&here")
                        out.append(f"{q}}}")
                    else:
                        out += fail("additionalProperties", message, K, "&here")
                else:
                    out += apply(n.additional_properties, K, "value", "&here", seen=False, cond="!matched" if flag else "")
                if track:
                    out.append(f"{q}seen.prop(key);")
            elif track and (n.properties or n.pattern_properties):
                out.append(f"{q}if matched {{")
                out.append(f"{q}    seen.prop(key);")
                out.append(f"{q}}}")
            out.append(f"{p}}}")
            if not any(re.search(r"\bvalue\b", line) for line in out[loop_at + 1 :]):
                out[loop_at] = f"{p}for key in map.keys() {{"
        for name, c in n.dependent_schemas:
            s = self.string(name, n.source)
            out += apply(c, J, cond=f"map.contains_key({s})")
        if n.unevaluated_properties is not None:
            c_call = call(n.unevaluated_properties, "value", "&at.key(key)")
            out.append(f"{p}for (key, value) in map {{")
            out.append(f"{p}    if !seen.has_prop(key) && !{c_call} {{")
            out += sub_failed(J + 8)
            out.append(f"{p}    }}")
            out.append(f"{p}}}")
            out.append(f"{p}seen.all_props(map);")
        out.append(f"{' ' * I}}}")
        return out


def _len_lt(what: str, bound: int) -> str:
    return f"{what}.is_empty()" if bound == 1 else f"{what}.len() < {bound}"


def _len_gt(what: str, bound: int) -> str:
    return f"!{what}.is_empty()" if bound == 0 else f"{what}.len() > {bound}"


def _article(kind: str) -> str:
    return {"null": "null", "boolean": "a boolean", "object": "an object", "array": "an array", "integer": "an integer"}.get(
        kind, f"a {kind}"
    )


def _short_json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
