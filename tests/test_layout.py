"""The layout module (black's line splitting without black) against black itself.

For every declaration chunk rendered from ``schemas/``, from every golden fixture (including
``longnames``, whose very long names push every statement shape past 88 columns) and, when the
benchmark venv has it, from the Kubernetes definitions, the layout module must give exactly
``black.format_str``'s output, and the black fallback must not have been called.  Seeded random
statements and docstrings of the shapes the templates generate check the port beyond the inputs we
have.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, golden_names

black = pytest.importorskip("black")

from stepflow_codegen.diagnostics import Diagnostics  # noqa: E402
from stepflow_codegen.frontend import build_program  # noqa: E402
from stepflow_codegen.targets.python import layout  # noqa: E402
from stepflow_codegen.targets.python.escape import py_docstring, py_str  # noqa: E402

fmt = importlib.import_module("stepflow_codegen.targets.python.format")
render_mod = importlib.import_module("stepflow_codegen.targets.python.render")
MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=88)


def black_format(source: str) -> str:
    return black.format_str(source, mode=MODE)


def kubernetes_definitions() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("kubernetes_validate")  # a dev dependency, pinned in constraints.txt
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "kubernetes-json-schema" / "v1.37.0-local" / "_definitions.json"
        if path.is_file():
            return path
    recorded = REPO / "bench" / ".work" / "k8s_definitions_path"
    if recorded.is_file():
        path = Path(recorded.read_text(encoding="utf-8").strip())
        if path.is_file():
            return path
    found = sorted((REPO / "bench" / ".work").glob("venv/lib/python*/site-packages/kubernetes_validate/"
                                                   "kubernetes-json-schema/v1.37.0-local/_definitions.json"))
    return found[0] if found else None


SOURCES: dict[str, Callable[[], list[Path]]] = {
    "protocol": lambda: [REPO / "schemas"],
    **{f"fixture-{name}": (lambda name=name: [FIXTURES / name]) for name in golden_names()},
}


def render_chunks(paths: list[Path], defaults: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    """Render ``paths`` through the real pipeline: (every chunk given to format_chunk, black calls)."""
    chunks: list[str] = []
    calls = [0]
    real_format_chunk = fmt.format_chunk
    real_black = fmt.run_black

    def capture(chunk: str) -> str:
        chunks.append(chunk)
        return real_format_chunk(chunk)

    def counting_black(source: str) -> str:
        calls[0] += 1
        return real_black(source)

    monkeypatch.setattr(render_mod, "format_chunk", capture)
    monkeypatch.setattr(fmt, "run_black", counting_black)
    diags = Diagnostics()
    program = build_program(paths, diags, cwd=REPO)
    render_mod.render_python(program, render_mod.PythonOptions("pkg", "cmd", defaults), diags)  # type: ignore[arg-type]
    monkeypatch.undo()
    return chunks, calls[0]


def assert_like_black(chunks: list[str]) -> None:
    for chunk in sorted(set(chunks)):
        expected = black_format(chunk)
        got = layout.layout_chunk(chunk)
        assert got is not None, f"the layout module declined a generated chunk:\n{chunk}"
        assert got == expected, f"layout differs from black for:\n{chunk}\nblack:\n{expected}\nlayout:\n{got}"


@pytest.mark.parametrize("defaults", ["preserve", "apply"])
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_generated_chunks_match_black_without_calling_it(source: str, defaults: str, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks, black_calls = render_chunks(SOURCES[source](), defaults, monkeypatch)
    assert chunks
    assert black_calls == 0, f"{source}: the black fallback ran {black_calls} time(s)"
    assert_like_black(chunks)


def test_kubernetes_chunks_match_black_without_calling_it(monkeypatch: pytest.MonkeyPatch) -> None:
    path = kubernetes_definitions()
    assert path is not None, "the Kubernetes definitions come with kubernetes-validate: pip install -c constraints.txt -e '.[dev]'"
    chunks: list[str] = []
    for defaults in ("preserve", "apply"):
        got, black_calls = render_chunks([path], defaults, monkeypatch)
        assert black_calls == 0, f"kubernetes ({defaults}): the black fallback ran {black_calls} time(s)"
        chunks += got
    assert_like_black(chunks)


def _render_every_source() -> None:
    """The Python target over the protocol, every golden fixture and Kubernetes (for the capturing
    tests below: what the target lays out itself must be black's layout)."""
    k8s = kubernetes_definitions()
    assert k8s is not None, "the Kubernetes definitions come with kubernetes-validate: pip install -c constraints.txt -e '.[dev]'"
    for paths in [*(get() for get in SOURCES.values()), [k8s]]:
        diags = Diagnostics()
        program = build_program(paths, diags, cwd=REPO)
        render_mod.render_python(program, render_mod.PythonOptions("pkg", "cmd"), diags)


def test_validator_tables_are_exploded_as_black_explodes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validators module writes its long tables (``_M``/``_D``/``_F`` displays) exploded itself,
    without the layout module: each must be what black makes of the one-line statement."""
    validators = importlib.import_module("stepflow_codegen.targets.python.validators")
    real_table = validators._table
    tables: list[tuple[str, tuple[str, ...], str]] = []

    def capture(head: str, items: list[str], close: str) -> str:
        tables.append((head, tuple(items), close))
        return real_table(head, items, close)

    monkeypatch.setattr(validators, "_table", capture)
    _render_every_source()
    monkeypatch.undo()
    exploded = 0
    for head, items, close in sorted(set(tables)):
        one_line = head + ", ".join(items) + ("," if len(items) == 1 and close == ")" else "") + close + "\n"
        got = real_table(head, list(items), close)
        assert got == black_format(one_line), f"differs from black for:\n{one_line}"
        exploded += got.count("\n") > 1
    assert exploded > 100  # Kubernetes alone has hundreds of tables too long for one line


def test_string_set_constants_are_laid_out_as_black_lays_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """``_K<n> = frozenset({...})`` of string literals is laid out by the validators module itself
    (``validators._set_table``): for every such constant of the protocol, the fixtures and
    Kubernetes, and for seeded random ones around the limit, it must be black's layout."""
    validators = importlib.import_module("stepflow_codegen.targets.python.validators")
    real = validators._set_table
    seen: list[tuple[str, tuple[str, ...]]] = []

    def capture(name: str, items: list[str]) -> str:
        seen.append((name, tuple(items)))
        return real(name, items)

    monkeypatch.setattr(validators, "_set_table", capture)
    _render_every_source()
    monkeypatch.undo()
    assert seen
    rng = random.Random(13)
    words = ["initialize", "components", "list", "info", "execute", "blobs", "runs", "get", "put", "x"]
    for _ in range(300):
        items = ["/".join(rng.choice(words) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 12))]
        seen.append((f"_K{rng.randint(0, 999)}", tuple(py_str(i) for i in dict.fromkeys(items))))
    shapes = set()
    for name, items in sorted(set(seen)):
        got = real(name, list(items))
        one = f"{name} = frozenset({{{', '.join(items)}}})\n"
        assert got == black_format(one), f"differs from black for:\n{one}"
        shapes.add(got.count("\n") if got.count("\n") < 4 else 4)
    assert shapes == {1, 3, 4}  # one line, the set on a line of its own, the set exploded


def test_annotated_aliases_are_laid_out_as_black_lays_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Name: TypeAlias = Annotated[...]`` is laid out by the type mapper itself when too long (see
    ``types._annotated_alias``): for every alias of the protocol, the fixtures and Kubernetes, and for
    seeded random names and targets around the limits, it must be black's layout of the one-line
    statement."""
    types_mod = importlib.import_module("stepflow_codegen.targets.python.types")
    real = types_mod._annotated_alias
    seen: list[tuple[str, str, str]] = []

    def capture(name: str, target: str, marker: str) -> str:
        seen.append((name, target, marker))
        return real(name, target, marker)

    monkeypatch.setattr(types_mod, "_annotated_alias", capture)
    _render_every_source()
    monkeypatch.undo()
    rng = random.Random(11)
    words = ["Io", "K8S", "Api", "Apps", "V1", "Status", "Condition", "Spec", "Template", "Object", "Meta"]
    for _ in range(300):
        name = "".join(rng.choice(words) for _ in range(rng.randint(1, 16)))
        parts = ["".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(rng.randint(1, 3))]
        target = rng.choice(["{}", "list[{}]", "dict[str, {}]", "{} | None", "list[{}] | None"]).format(" | ".join(parts))
        seen.append((name, target, f"_runtime.Named({py_str(name)})"))
    laid = 0
    for name, target, marker in sorted(set(seen)):
        value = real(name, target, marker)
        if "\n" not in value:
            continue  # one line: kept, or split by the layout module (the tests above)
        got = f"{name}: TypeAlias = {value}\n"
        assert got == black_format(f"{name}: TypeAlias = Annotated[{target}, {marker}]\n"), got
        laid += 1
    assert laid > 200  # Kubernetes and the random ones have hundreds too long for one line


def test_union_hook_tables_are_laid_out_as_black_lays_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A union hook's ``__stepflow_variants__``/``__stepflow_kinds__``/``__stepflow_presence__``
    tuples are laid out by the type mapper itself (``types._tuple_display``): for every hook of the
    protocol, the fixtures and Kubernetes, and for seeded random tables around the limit, it must be
    black's layout of the one-line statement in the hook's class body."""
    types_mod = importlib.import_module("stepflow_codegen.targets.python.types")
    real = types_mod._tuple_display
    seen: list[tuple[str, Any]] = []

    def capture(head: str, items: list[Any], indent: int = types_mod.HOOK_TABLE_INDENT) -> str:
        seen.append((head, items))
        return real(head, items, indent)

    monkeypatch.setattr(types_mod, "_tuple_display", capture)
    _render_every_source()
    monkeypatch.undo()
    assert any(head.startswith("__stepflow_presence__") for head, _ in seen)
    rng = random.Random(12)
    words = ["jsonrpc", "id", "method", "params", "result", "error", "kind", "spec", "status", "x"]

    def fs() -> str:
        keys = rng.sample(words, rng.randint(0, 6))
        return "frozenset({" + ", ".join(py_str(k) for k in keys) + "})" if keys else rng.choice(["frozenset()", "None"])

    for _ in range(300):
        shape = rng.randint(0, 2)
        if shape == 0:
            items: list[Any] = [py_str("".join(rng.choice(words).title() for _ in range(rng.randint(1, 4))))
                                for _ in range(rng.randint(0, 9))]
        elif shape == 1:
            items = [fs() for _ in range(rng.randint(1, 8))]
        else:
            items = [[fs() for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 5))]
        seen.append((rng.choice(["__stepflow_presence__ = ", "__stepflow_kinds__ = "]), items))
    def flat(entries: list[Any]) -> str:
        inner = [flat(e) if isinstance(e, list) else e for e in entries]
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"

    laid = 0
    pad = " " * types_mod.HOOK_TABLE_INDENT
    for head, items in seen:
        value = real(head, items)
        one = flat(items)
        source = f"class A:\n    class B:\n{pad}{head}{value}\n"
        if "\n" in value:
            assert source == black_format(f"class A:\n    class B:\n{pad}{head}{one}\n"), source
            laid += 1
        else:
            assert value == one
    assert laid > 100


def test_longnames_fixture_needs_splitting() -> None:
    """The synthetic fixture really exercises the split rules (its golden is laid out by us)."""
    text = (REPO / "tests" / "golden" / "longnames" / "python" / "types.py").read_text(encoding="utf-8")
    for shape in (
        "\nclass OpenObjectWhoseNameAloneIsLongEnoughToSplitTheClassHeaderLine(\n    _runtime.OpenObject\n):",
        ": (\n        ",  # an annotation wrapped in parentheses
        "\n        | UnsetType\n    )",  # ... and split at |
        ") = msgspec.field(\n",  # a split right-hand side
        "    __slots__ = (\n",
        "    __stepflow_fields__ = (\n        (\n",
        "        ) = UNSET,\n",  # a wrapped parameter annotation
        " = (\n            {} if additional_properties is None",
        ' = (\n        "another-rather-long-enumeration-value-for-the-default"\n    )',
        '    """ "Quoted" at the start."""',  # black's docstring padding
        '    """A closed object ending with a quote \\" """',
    ):
        assert shape in text, shape


# -- what the layout module leaves to black ---------------------------------------------------------
def test_long_docstring_and_comment_lines_need_no_black(monkeypatch: pytest.MonkeyPatch) -> None:
    long = " ".join(["word"] * 30)
    chunk = f'# {long}\nclass A(msgspec.Struct):\n    """{long}"""\n\n    x: int\n    """{long}\n    {long}\n    """\n'
    calls = []
    monkeypatch.setattr(fmt, "run_black", lambda s: calls.append(s) or s)
    assert fmt.format_chunk(chunk) == chunk == black_format(chunk)
    assert not calls and not fmt.needs_black(chunk)


@pytest.mark.parametrize(
    "chunk",
    [
        # a comment inside a statement, a statement kind outside the grammar, arithmetic
        "x = [\n    a,  # " + "c" * 90 + "\n    b,\n]\n",
        "if some_condition_with_a_long_name and another_condition_with_a_long_name or a_third_condition:\n    pass\n",
        "value = first_operand_with_a_long_name + second_operand_with_a_long_name * third_operand_x\n",
        # non-ASCII text whose display width only black measures
        'x: Literal["' + "日本語" * 20 + '"] = "y"\n',
        # a string black would requote
        "x = 'a single-quoted string that black would turn into a double-quoted one, as it is long'\n",
    ],
)
def test_unsupported_long_statements_fall_back_to_black(chunk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert layout.layout_chunk(chunk) is None
    calls = []

    def counting(source: str) -> str:
        calls.append(source)
        return black_format(source)

    monkeypatch.setattr(fmt, "run_black", counting)
    assert fmt.format_chunk(chunk) == black_format(chunk)
    assert len(calls) == 1


LONG = "a_rather_long_argument_name_number_"


@pytest.mark.parametrize(
    "chunk",
    [
        # continuation lines black would not write: statements are grouped wrongly, then declined
        f"x = f({LONG}1,\n      {LONG}2, {LONG}3, {LONG}4)\n",
        f"x = f(\n{LONG}1, {LONG}2, {LONG}3, {LONG}4)\n",
        f"x = 1  # a comment ending with a bracket (\ny = [{LONG}1, {LONG}2, {LONG}3, {LONG}4]\n",
        f"x = (\n    1\n  )\ny = [{LONG}1, {LONG}2, {LONG}3, {LONG}4]\n",
        f"class A(B):\n    x: int\n    \"\"\"doc\"\"\"\n    y = ({LONG}1, {LONG}2, {LONG}3, {LONG}4)\n",
        f"x = [\n    {LONG}1,\n    {LONG}2, {LONG}3, {LONG}4, {LONG}5\n]\n",
    ],
)
def test_input_not_laid_out_like_black_is_declined_or_matches(chunk: str) -> None:
    got = layout.layout_chunk(chunk)
    assert got is None or got == black_format(chunk)


def test_indented_member_falls_back_inside_a_class() -> None:
    member = "    def f(self) -> None:\n        return some_function_name(argument_one, argument_two, argument_three_x)\n"
    assert fmt.format_chunk(member) == black_format("class _:\n" + member).split("\n", 1)[1]


def test_needs_black_means_formatting_would_change_the_chunk() -> None:
    assert not fmt.needs_black("x: int = 1\n")
    assert fmt.needs_black("x: " + " | ".join(["SomeRatherLongTypeName"] * 5) + " = UNSET\n")


# -- seeded random statements and docstrings ---------------------------------------------------------
class StatementGenerator:
    """Statements of the shapes the templates generate, with random names and nesting."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def ident(self, lo: int = 1, hi: int = 40) -> str:
        r = self.r
        name = r.choice("abcdefgxyz") + "".join(
            r.choice("abcdefghijklmnopqrstuvwxyz_0123456789") for _ in range(r.randint(lo, hi) - 1)
        )
        return name + "_" if name in ("if", "is", "in", "as", "or", "def", "del", "for") else name

    def type_name(self) -> str:
        return self.r.choice(["T" + self.ident(3, 70), "str", "int", "Any", "UnsetType", "None", "bool"])

    def literal(self) -> str:
        r = self.r.random()
        if r < 0.4:
            return py_str(self.ident(1, 50).replace("_", self.r.choice(["-", "/", ".", " ", "'", '"'])))
        if r < 0.6:
            return str(self.r.randint(-1000, 10 ** self.r.randint(1, 12)))
        if r < 0.7:
            return self.r.choice(["1.5", "-0.25", "1e-05"])
        return self.r.choice(["True", "False", "None"])

    def meta(self) -> str:
        keys = self.r.sample(["ge", "le", "gt", "lt", "min_length", "max_length", "pattern", "multiple_of"], self.r.randint(1, 4))
        return "Meta(" + ", ".join(
            f"{k}={py_str(self.ident(1, 60)) if k == 'pattern' else self.r.randint(-5, 10 ** self.r.randint(1, 6))}"
            for k in keys
        ) + ")"

    def texpr(self, d: int = 0) -> str:
        r = self.r.random()
        if d > 3 or r < 0.3:
            return self.type_name()
        if r < 0.45:
            return f"list[{self.texpr(d + 1)}]"
        if r < 0.55:
            return f"dict[str, {self.texpr(d + 1)}]"
        if r < 0.7:
            return f"Annotated[{self.texpr(d + 1)}, {self.meta()}]"
        if r < 0.8:
            return f"Literal[{', '.join(self.literal() for _ in range(self.r.randint(1, 5)))}]"
        if r < 0.87:
            return f"tuple[{', '.join(self.texpr(d + 1) for _ in range(self.r.randint(1, 4)))}]"
        return " | ".join(self.texpr(d + 1) for _ in range(self.r.randint(2, 4)))

    def union(self) -> str:
        parts = [self.texpr() for _ in range(self.r.randint(1, 4))]
        if self.r.random() < 0.6:
            parts.append(self.r.choice(["UnsetType", "None | UnsetType"]))
        return " | ".join(parts)

    def value(self, d: int = 0) -> str:
        r = self.r.random()
        if d > 2 or r < 0.3:
            return self.r.choice([self.literal(), "UNSET", "T" + self.ident(2, 30) + "." + self.ident(2, 40).upper(), "_runtime.REQUIRED"])
        if r < 0.45:
            return "[" + ", ".join(self.value(d + 1) for _ in range(self.r.randint(0, 4))) + "]"
        if r < 0.55:
            return "{" + ", ".join(f"{py_str(self.ident(1, 30))}: {self.value(d + 1)}" for _ in range(self.r.randint(0, 3))) + "}"
        if r < 0.65:
            items = [self.value(d + 1) for _ in range(self.r.randint(0, 4))]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if r < 0.75:
            return "frozenset({" + ", ".join(py_str(self.ident(1, 25)) for _ in range(self.r.randint(1, 5))) + "})"
        if r < 0.85:
            args = [f"name={py_str(self.ident(1, 50))}"] if self.r.random() < 0.8 else []
            c = self.r.random()
            if c < 0.4:
                args.append(f"default={self.value(d + 1)}")
            elif c < 0.7:
                args.append(f"default_factory=lambda: [{self.value(d + 2)}]")
            return "msgspec.field(" + ", ".join(args) + ")"
        return f"{self.value(d + 1)} if {self.ident(2, 30)} is {self.r.choice(['UNSET', 'None', 'not None'])} else {self.ident(2, 30)}"

    def statement(self, depth: int) -> list[str]:
        pad = "    " * depth
        k = self.r.random()
        if k < 0.25:
            default = f" = {self.value()}" if self.r.random() < 0.6 else ""
            return [f"{pad}{self.ident()}: {self.union()}{default}"]
        if k < 0.35:
            return [f"{pad}T{self.ident(5, 80)}: TypeAlias = {self.union()}"]
        if k < 0.45:
            opts = ["kw_only=True", "forbid_unknown_fields=True", "omit_defaults=True",
                    f"tag_field={py_str(self.ident(1, 20))}", f"tag={self.literal()}"]
            base = self.r.choice(["msgspec.Struct", "_runtime.OpenObject", "enum.StrEnum"])
            extra = "".join(", " + o for o in self.r.sample(opts, self.r.randint(0, 5)))
            return [f"{pad}class T{self.ident(3, 70)}({base}{extra}):", f"{pad}    pass"]
        if k < 0.55:
            return [f"{pad}{self.r.choice(['__slots__', '__stepflow_variants__', '__stepflow_presence__'])} = {self.value()}"]
        if k < 0.62:
            entries = [f"({py_str(self.ident(1, 45))}, {py_str(self.ident(1, 45))}, {self.value(2)}, {self.r.choice(['True', 'False'])})"
                       for _ in range(self.r.randint(1, 3))]
            if len(entries) == 1:  # as the template writes one entry (a one-tuple has no magic comma)
                return [f"{pad}__stepflow_fields__ = ({entries[0]},)"]
            return [f"{pad}__stepflow_fields__ = ("] + [f"{pad}    {e}," for e in entries] + [f"{pad})"]
        if k < 0.72:
            return [f"{pad}self.{self.ident(2, 70)} = {self.r.choice([self.ident(2, 70), self.value()])}"]
        if k < 0.87:
            params = [f"{pad}    self,", f"{pad}    *,"]
            for _ in range(self.r.randint(1, 4)):
                p = f"{self.ident(1, 60)}: {self.union()}"
                if self.r.random() < 0.7:
                    p += f" = {self.value(1)}"
                params.append(f"{pad}    {p},")
            return [f"{pad}def __init__("] + params + [f"{pad}) -> None:", f"{pad}    pass"]
        if k < 0.9:
            call = f"{self.ident(2, 30)}.{self.ident(2, 30)}({', '.join(self.value(1) for _ in range(self.r.randint(1, 4)))})"
            return [f"{pad}{self.r.choice(['', 'await ', 'return ', 'return await ', 'raise '])}{call}"]
        if k < 0.95:
            return [f"{pad}{self.ident(2, 30)}: {self.union()} = await self.{self.ident(2, 20)}({self.value(1)}, {self.value(1)})"]
        return [f"{pad}{self.ident(2, 50).upper()} = {self.literal()}"]

    def chunk(self) -> str:
        depth = self.r.choice([0, 1, 1, 2, 3])
        lines = ["    " * i + "class C(B):" for i in range(depth)]
        return "\n".join(lines + self.statement(depth)) + "\n"


@pytest.mark.parametrize("seed", range(4))
def test_random_statements_match_black(seed: int) -> None:
    gen = StatementGenerator(seed)
    declined = 0
    for _ in range(150):
        chunk = gen.chunk()
        expected = black_format(chunk)
        got = layout.layout_chunk(chunk)
        if got is None:
            declined += 1
            continue
        assert got == expected, f"layout differs from black for:\n{chunk}\nblack:\n{expected}\nlayout:\n{got}"
    assert declined == 0


DOC_PIECES = ["a", "b", " ", '"', "'", "\\", "\n", "\t", '"""', "'''", " \n", "x\n  y", "\u00e9",
              "\\N{BULLET}", "\\x00", "\u3000", "\xa0", "\n\n", "z" * 40, "\\\n"]


@pytest.mark.parametrize("seed", range(2))
def test_random_block_docstrings_match_black(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(200):
        text = "".join(r.choice(DOC_PIECES) for _ in range(r.randint(1, 10)))
        if not text.strip():
            continue
        for depth in (1, 2):
            indent = "    " * depth
            head = "class X:\n" if depth == 1 else "class X:\n    class Y:\n"
            chunk = f"{head}{indent}{py_docstring(text, indent)}\n"
            assert layout.layout_chunk(chunk) == black_format(chunk), repr(text)


def test_py_str_quotes_like_black() -> None:
    r = random.Random(0)
    for _ in range(500):
        value = "".join(r.choice(['"', "'", "a", "\\", "\n", "é"]) for _ in range(r.randint(0, 8)))
        source = f"x = {py_str(value)}\n"
        assert black_format(source) == source, repr(value)


def test_py_str_ascii_spelling() -> None:
    """Every ASCII string of up to two characters (and longer names) spells as the escape tables
    spell it, whether or not it needs escaping (py_str skips the translation when nothing needs it),
    and reads back as the same value."""
    import ast
    import itertools

    from stepflow_codegen.targets.python import escape

    values = ["", *map(chr, range(128)), *("".join(p) for p in itertools.product(map(chr, range(128)), repeat=2)),
              "snake_case_name", "a b-c.d/e:f", "it's", 'say "hi"']
    for value in values:
        quote = "'" if value.count("'") < value.count('"') else '"'
        table = escape._DQ_TABLE if quote == '"' else escape._SQ_TABLE
        spelled = py_str(value)
        assert spelled == quote + value.translate(table) + quote, repr(value)
        assert ast.literal_eval(spelled) == value, repr(value)


# -- the rest of an in-process run without black: the template bytecode cache ----------------------
def _fresh_environment() -> Any:
    from stepflow_codegen import templating

    return templating.jinja_environment.__wrapped__("python", render_mod.FILTERS)  # not the per-process one


def test_templates_are_compiled_once_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("STEPFLOW_CODEGEN_CACHE", raising=False)
    compiled: list[str] = []
    real_compile = jinja2.Environment.compile

    def counting(self: Any, source: Any, name: Any = None, *a: Any, **kw: Any) -> Any:
        compiled.append(name)
        return real_compile(self, source, name, *a, **kw)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    first = _fresh_environment().get_template("decl_struct.jinja")
    assert compiled == ["decl_struct.jinja"]
    cache = next((tmp_path / "stepflow-codegen").iterdir())
    assert list(cache.iterdir()) and (cache.stat().st_mode & 0o077) == 0
    second = _fresh_environment().get_template("decl_struct.jinja")
    assert compiled == ["decl_struct.jinja"], "the second environment compiled again"
    assert first.render(d=_sample_struct()) == second.render(d=_sample_struct())


def _sample_struct() -> Any:
    from stepflow_codegen.targets.python.types import PyDecl, PyField

    field = PyField(ident="x", wire="x", annotation="int", default=None, decode_default="_runtime.REQUIRED",
                    omit_if_default=False, doc=None)
    return PyDecl("struct", "Thing", None, "t.json#", fields=[field], struct_options="kw_only=True",
                  source_comment="# from t.json#")


@pytest.mark.parametrize("setup", ["unwritable", "group-writable", "off"])
def test_an_unusable_template_cache_is_ignored(setup: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stepflow_codegen import templating

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("STEPFLOW_CODEGEN_CACHE", raising=False)
    if setup == "unwritable":
        # a regular file where the cache folder should be: no user, root included, can create it
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    elif setup == "group-writable":
        key = templating._settings_key(render_mod.FILTERS)
        cache = templating._cache_dir(key)
        assert cache is not None
        Path(cache).chmod(0o770)
    else:
        monkeypatch.setenv("STEPFLOW_CODEGEN_CACHE", "off")
    try:
        env = _fresh_environment()
        assert env.bytecode_cache is None
        assert env.get_template("decl_alias.jinja")  # still renders
    finally:
        tmp_path.chmod(0o700)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


@pytest.mark.parametrize("name", ["E", "UntypedResponse", "A" * 40, "B" * 70])
@pytest.mark.parametrize(
    "options",
    [
        "msgspec.Struct, kw_only=True, forbid_unknown_fields=True",
        "msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False",
        "msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, frozen=True, gc=False",
    ],
)
def test_class_headers_of_the_methods_template_are_blacks(name: str, options: str) -> None:
    """``pyclass`` (the fixed Structs of methods.py.jinja) lays a class statement out as black does:
    on one line, with its options on a line of their own, or one per line."""
    from stepflow_codegen.targets.python.render import _class_filter

    source = _class_filter(name, options) + '\n    """Doc."""\n'
    assert black.format_str(source, mode=black.Mode()) == source
