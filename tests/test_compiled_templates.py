"""The built-in templates compiled ahead of time (codegen/_compiled, codegen/templating_compile.py).

* the committed modules are what the compiler writes from today's templates;
* every built-in template renders the same text through the compiled code and through Jinja, on
  the contexts the targets pass while generating ``schemas/``, the examples and every golden
  fixture (all three targets), and on hand-made contexts for the branches those do not reach;
* a protocol run does not import jinja2, ``--templates DIR`` still goes through Jinja;
* unsupported constructs are compile errors naming the template and line; a missing name or
  attribute is an error naming the template; a module that no longer matches its templates'
  sources is not used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO, golden_names
from stepflow_codegen import templating, templating_compile
from stepflow_codegen._compiled import UndefinedError
from stepflow_codegen.cli import main

TARGETS = templating_compile.TARGETS
COMMAND = "python -m stepflow_codegen.templating_compile"


def _filters(target: str) -> tuple[tuple[str, Any], ...]:
    if target == "python":
        from stepflow_codegen.targets.python.render import FILTERS
    elif target == "typescript":
        from stepflow_codegen.targets.typescript.render import FILTERS
    else:
        from stepflow_codegen.targets.rust.render import FILTERS
    return FILTERS


# -- (1) freshness ------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", TARGETS)
def test_committed_modules_are_fresh(target: str) -> None:
    expected = templating_compile.compile_target(target, templating_compile._target_filters(target))
    path = templating_compile.output_path(target)
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(REPO)} does not match templates/{target}/; regenerate with:\n    .venv/bin/{COMMAND}"
    )


def test_compiled_modules_pass_mypy_strict() -> None:
    paths = [str(templating_compile.output_path(t)) for t in TARGETS] + [str(REPO / "codegen" / "_compiled" / "__init__.py")]
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", *paths],
                       check=False, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compiling_is_deterministic() -> None:
    for target in TARGETS:
        filters = templating_compile._target_filters(target)
        assert templating_compile.compile_target(target, filters) == templating_compile.compile_target(target, filters)


def test_check_option_reports_nothing_stale() -> None:
    assert templating_compile.main(["--check"]) == 0


# -- (2) differential: compiled code against Jinja on real contexts --------------------------------
def _runs(tmp: Path) -> list[list[str]]:
    runs: list[list[str]] = []
    for lang in TARGETS:
        runs.append([lang, "schemas/", "-o", str(tmp / lang / "protocol")])
        for defaults in ("preserve", "apply"):
            for name in golden_names():
                runs.append([lang, f"tests/fixtures/schemas/{name}/", "-o", str(tmp / lang / defaults / name),
                             "--package", name.replace("-", "_"), "--defaults", defaults])
    runs += [
        ["typescript", "examples/ts-image/schemas/", "-o", str(tmp / "ts-image")],
        ["typescript", "schemas/", "examples/ts-components/schemas/", "-o", str(tmp / "ts-components")],
        ["rust", "schemas/", "examples/rust-math/schemas/", "-o", str(tmp / "rust-math"),
         "--package", "rust-math-components"],
        ["rust", "schemas/", "-o", str(tmp / "rust-exact"), "--integers", "exact", "--defaults", "apply"],
        ["python", "schemas/", "examples/seed-components/schemas/components.json", "-o", str(tmp / "seed"),
         "--defaults", "apply"],
        ["typescript", "schemas/", "-o", str(tmp / "ts-apply"), "--defaults", "apply"],
    ]
    return runs


def test_compiled_templates_render_as_jinja_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: Counter[tuple[str, str]] = Counter()
    mismatches: list[str] = []
    real = templating.CompiledTemplate.render

    def both(self: templating.CompiledTemplate, *args: Any, **kwargs: Any) -> str:
        text = real(self, *args, **kwargs)
        jinja = templating.jinja_environment(self.target, self.filter_items).get_template(self.name)
        expected = jinja.render(*args, **kwargs)
        rendered[(self.target, self.name)] += 1
        if text != expected and len(mismatches) < 5:
            mismatches.append(f"{self.target}/{self.name}:\n--- jinja\n{expected[:2000]}\n--- compiled\n{text[:2000]}")
        return text

    monkeypatch.setattr(templating.CompiledTemplate, "render", both)
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    for args in _runs(tmp_path):
        result = runner.invoke(main, [*args, "-q"])
        assert result.exit_code == 0, (args, result.output, result.exception)
    assert not mismatches, "\n\n".join(mismatches)
    for target in TARGETS:
        names = templating_compile.template_names(target)
        sources = "".join((REPO / "templates" / target / n).read_text(encoding="utf-8") for n in names)
        # an included template (validate.jinja) renders inside its includers, compared with them
        missing = [n for n in names if not rendered[(target, n)] and f'{{% include "{n}" %}}' not in sources]
        assert not missing, f"{target}: never rendered by the differential runs: {missing}"
    assert sum(rendered.values()) > 800, rendered


class _Obj(SimpleNamespace):
    pass


def _both(target: str, name: str, **ctx: Any) -> str:
    compiled = templating.compiled_environment(target, _filters(target))
    assert compiled is not None
    jinja = templating.jinja_environment(target, _filters(target)).get_template(name).render(**ctx)
    text = compiled.get_template(name).render(**ctx)
    assert text == jinja
    return text


def test_hand_made_contexts_loop_include_and_branches() -> None:
    # rust decl_enum_str: for over tuples, loop.index0 into a list, if without else, the include of
    # validate.jinja (which sees the includer's context) with and without `check`
    for doc, check in (("/// An enum.", "colour"), ("", None)):
        d = _Obj(comment="// from x.json#", doc=doc, name="Colour",
                 members=[("Red", '"red"', "/// red"), ("Blue", '"blue"', "")])
        text = _both("rust", "decl_enum_str.jinja", d=d, rename=['#[serde(rename = "red")]', '#[serde(rename = "blue")]'],
                     to_wire=["a => b,"], from_wire=[], name_literal='"Colour"', check=check)
        assert ("check::colour" in text) == bool(check) and 'rename = "blue")]\n    Blue,' in text
    # python decl_open: map(attribute=...) | map("pystr") | list | pytuple, `length > 1`, the set in
    # the elif branch, the empty else, and a for loop over the same name afterwards
    for n in (0, 1, 3):
        fields = [_Obj(ident=f"f{i}", wire=f"w{i}", annotation="int", default=None if i % 2 else "0",
                       decode_default="_runtime.REQUIRED", omit_if_default=False, factory=i == 2,
                       doc="A field." if i == 1 else None) for i in range(n)]
        d = _Obj(name="Open", doc="Doc." if n != 1 else None, source_comment="# from y.json#", fields=fields,
                 closed=n == 3, extra_annotation="dict[str, typing.Any]")
        _both("python", "decl_open.jinja", d=d)
    # typescript index.ts: every branch on and off
    for on in (True, False):
        _both("typescript", "index.ts.jinja", header="// h", protocol=on, defaults=on, authors="authors" if on else None)


def test_constructs_in_isolation() -> None:
    source = (
        "{% set xs = [] %}{% for a, b in pairs %}{% if loop.first %}[{% elif loop.last %}]{% else %},{% endif %}"
        "{{ loop.index }}/{{ loop.length }}:{{ a ~ '=' ~ b }}{% set _ = xs.append(a) %}{% set a = 'shadow' %}{% endfor %}"
        "|{{ xs | join('+') }}|{{ xs | length }}|{{ d.k }}|{{ d['k'] }}|{{ o.attr }}|{{ o['attr'] }}"
        "|{{ 'y' if n is none else 'n' }}|{{ n is not none }}|{{ 1 < 2 <= 2 }}|{{ 'k' in d and not ('z' in d) }}"
        "|{% for k in d %}{{ k }}{% endfor %}|{{ items | map(attribute='attr') | list }}"
        "|{{ a if a is defined else '' }}"
    )
    # `is defined` is not supported: the error names the template and line
    with pytest.raises(templating_compile.CompileError, match=r"t\.jinja:1: the test 'defined'"):
        templating_compile.compile_template("x", "t.jinja", source, (), ["t.jinja"])
    source = source.replace("|{{ a if a is defined else '' }}", "|{{ a }}")
    ctx = {"pairs": [("p", 1), ("q", 2), ("r", 3)], "d": {"k": "v", "m": 1}, "o": _Obj(attr="A"),
           "n": None, "items": [_Obj(attr=1), {"attr": 2}], "a": "outer"}
    assert _render_source(source, ctx) == _jinja_source(source, ctx)
    assert _render_source(source, ctx) == "[1/3:p=1,2/3:q=2]3/3:r=3|p+q+r|3|v|v|A|A|y|False|True|True|km|[1, 2]|outer"


def test_include_sees_the_includers_context_and_locals() -> None:
    sources = {
        "main.jinja": "{% set local = 'L' ~ x %}{% include 'part.jinja' %}\n"
                      "{% for item in items %}{% set inner = item %}{% include 'part.jinja' %}{% endfor %}",
        "part.jinja": "[{{ x }} {{ local }} {{ item if item is not none else '-' }} {{ inner }}]\n",
    }
    names = sorted(sources)
    namespace: dict[str, Any] = {}
    code = "\n\n".join(templating_compile.compile_template("x", n, sources[n], (), names) for n in names)
    exec(compile("from stepflow_codegen._compiled import *\nfrom typing import Any\n" + code, "t", "exec"),  # noqa: S102
         namespace)
    import jinja2

    env = jinja2.Environment(loader=jinja2.DictLoader(sources), **templating.settings())
    ctx = {"x": 1, "items": [3, 4], "item": None, "inner": "i"}
    expected = "[1 L1 - i]\n[1 L1 3 3]\n[1 L1 4 4]\n"  # the loop's locals shadow the context's
    assert namespace["t_main"](ctx, {}) == env.get_template("main.jinja").render(**ctx) == expected


def _render_source(source: str, ctx: dict[str, Any]) -> str:
    code = templating_compile.compile_template("x", "t.jinja", source, (), ["t.jinja"])
    namespace: dict[str, Any] = {}
    exec(compile(  # noqa: S102 - the compiled function of a test template
"from stepflow_codegen._compiled import *\nfrom typing import Any\n" + code, "t", "exec"), namespace)
    return str(namespace["t_t"](ctx, {}))


def _jinja_source(source: str, ctx: dict[str, Any]) -> str:
    import jinja2

    return jinja2.Environment(**templating.settings()).from_string(source).render(**ctx)


@pytest.mark.parametrize(
    "source, what",
    [
        ("{% macro m() %}{% endmacro %}", "the statement Macro"),
        ("{{ x + 1 }}", "the expression Add"),
        ("{{ x | upper }}", "the filter 'upper'"),
        ("{% for x in y %}{{ loop.cycle('a') }}{% endfor %}", "loop.cycle"),
        ("{% for x in y %}{% else %}none{% endfor %}", "a for loop with else"),
        ("{% include 'other.jinja' %}", "include 'other.jinja'"),
        ("{{ x[1:] }}", "a slice"),
    ],
)
def test_unsupported_constructs_are_compile_errors(source: str, what: str) -> None:
    with pytest.raises(templating_compile.CompileError) as e:
        templating_compile.compile_template("x", "t.jinja", "line\n" + source, (), ["t.jinja"])
    assert f"templates/x/t.jinja:2: {what}" in str(e.value)


@pytest.mark.parametrize("ctx, missing", [({}, "'d' is undefined"), ({"d": _Obj()}, "has no attribute 'source_comment'")])
def test_missing_names_and_attributes_raise(ctx: dict[str, Any], missing: str) -> None:
    env = templating.compiled_environment("python", _filters("python"))
    assert env is not None
    with pytest.raises(UndefinedError, match=f"template decl_alias.jinja: .*{missing}"):
        env.get_template("decl_alias.jinja").render(**ctx)


def test_a_stale_module_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from stepflow_codegen._compiled import python

    assert isinstance(templating.compiled_environment("python", _filters("python")), templating.CompiledEnvironment)
    monkeypatch.setattr(python, "DIGEST", "crc32:00000000:0")
    assert templating.compiled_environment("python", _filters("python")) is None
    env = templating.environment.__wrapped__("python", _filters("python"))
    assert not isinstance(env, templating.CompiledEnvironment)  # Jinja renders the edited templates


def test_a_stray_template_file_does_not_make_a_module_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An install can hold a template file no compiled module was made from (left by an older
    version): the digest covers the module's own templates, so the compiled code is still used.
    An edited one of those still makes it stale."""
    copy = tmp_path / "templates"
    shutil.copytree(templating.templates_dir(), copy)
    monkeypatch.setattr(templating, "templates_dir", lambda: copy)
    (copy / "python" / "_runtime.py.jinja").write_text("{{ old }}\n", encoding="utf-8")
    assert isinstance(templating.compiled_environment("python", _filters("python")), templating.CompiledEnvironment)
    with open(copy / "python" / "method.jinja", "a", encoding="utf-8") as f:
        f.write("\n")
    assert templating.compiled_environment("python", _filters("python")) is None


# -- (3) no jinja2 in a protocol run; overrides still through Jinja ---------------------------------
_PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('JINJA2', 'jinja2' in sys.modules, file=sys.stderr))\n"
    "sys.argv = ['stepflow-codegen', *sys.argv[1:]]\n"
    "from stepflow_codegen.cli import entry\n"
    "entry()\n"
)


def _probe(tmp_path: Path, *args: str) -> str:
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], check=False, cwd=REPO, capture_output=True, text=True,
                       env=dict(os.environ, STEPFLOW_CODEGEN_CACHE="off"), timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stderr


@pytest.mark.parametrize("lang", TARGETS)
def test_a_run_does_not_import_jinja2(tmp_path: Path, lang: str) -> None:
    assert "JINJA2 False" in _probe(tmp_path, lang, "schemas/", "-o", str(tmp_path / "out"), "-q")


def test_an_override_directory_renders_through_jinja(tmp_path: Path) -> None:
    over = tmp_path / "over" / "python"
    over.mkdir(parents=True)
    source = (REPO / "templates" / "python" / "decl_alias.jinja").read_text(encoding="utf-8")
    (over / "decl_alias.jinja").write_text("# overridden {{ d.name }}\n" + source, encoding="utf-8")
    err = _probe(tmp_path, "python", "schemas/", "-o", str(tmp_path / "out"), "-q", "--templates", str(tmp_path / "over"))
    assert "JINJA2 True" in err
    assert "# overridden " in (tmp_path / "out" / "types.py").read_text(encoding="utf-8")


# -- (4) the wheel ships the compiled modules: see tests/test_packaging.py ---------------------------
