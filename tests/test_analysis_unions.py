"""The shared tagged-union analysis (codegen/analysis/unions.py) and the three targets that use it.

A tag is *sound* when it alone decides the variant; an object becomes a tagged variant only when
every sound union that lists it agrees on its tag.  Each case states the analysis's verdict, then
checks that the Python, Rust and TypeScript targets act on it: a native tagged union (msgspec
``tag_field``, serde ``#[serde(tag)]``, TypeScript narrowing on the tag) exactly when sound.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stepflow_codegen.analysis.unions import sound_tag, tag_claims, unions_of
from stepflow_codegen.diagnostics import Diagnostics
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir import model as ir


def _obj(tag: Any, extra: dict[str, Any] | None = None, tag_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"kind": tag_schema if tag_schema is not None else {"const": tag}, **(extra or {})},
        "required": ["kind"],
        "additionalProperties": False,
    }


def _program(tmp_path: Path, defs: dict[str, Any], root: dict[str, Any]) -> ir.Program:
    path = tmp_path / "u.json"
    path.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs, **root}))
    return build_program([path], Diagnostics(), cwd=tmp_path)


def _root_union(p: ir.Program) -> ir.UnionType:
    decls = {d.id: d for d in p.decls}
    us = [u for u in unions_of(decls.values()) if isinstance(u.discriminator, ir.TagDiscriminator)]
    assert len(us) == 1, us
    return us[0]


A = {"$ref": "#/$defs/A"}
B = {"$ref": "#/$defs/B"}

CASES = {
    # name: (defs, sound)
    "sound": ({"A": _obj("a", {"x": {"type": "integer"}}), "B": _obj("b", {"y": {"type": "string"}})}, True),
    "shared value": ({"A": _obj("a", {"x": {"type": "integer"}}), "B": _obj("a", {"y": {"type": "string"}})}, False),
    "tag not required": (
        {"A": {**_obj("a"), "required": []}, "B": _obj("b")},
        False,
    ),
    "tag is any string": ({"A": _obj(None, tag_schema={"type": "string"}), "B": _obj("b")}, False),
    "enum tag listing both": (
        {"A": _obj(None, tag_schema={"enum": ["a", "b"]}), "B": _obj("c")},
        True,  # the discriminator lists both values for A: sound, but not a single-value tag
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_soundness(tmp_path: Path, name: str) -> None:
    defs, sound = CASES[name]
    p = _program(tmp_path, defs, {"oneOf": [A, B]})
    decls = {d.id: d for d in p.decls}
    u = _root_union(p) if any(isinstance(x.discriminator, ir.TagDiscriminator) for x in unions_of(decls.values())) else None
    got = u is not None and sound_tag(decls, u)
    assert got is sound


def test_an_object_claimed_with_two_tags_is_no_tagged_variant(tmp_path: Path) -> None:
    """B is listed under kind=b by one union and, through another property, under mode=m by a
    second: it cannot carry both tags as its type, so neither union is native in any target."""
    defs = {
        "A": _obj("a"),
        "B": {**_obj("b", {"mode": {"const": "m"}}), "required": ["kind", "mode"]},
        "C": {"type": "object", "properties": {"mode": {"const": "n"}}, "required": ["mode"], "additionalProperties": False},
        "U1": {"oneOf": [A, B]},
        "U2": {"oneOf": [B, {"$ref": "#/$defs/C"}]},
    }
    p = _program(tmp_path, defs, {"type": "object", "properties": {"u1": {"$ref": "#/$defs/U1"}, "u2": {"$ref": "#/$defs/U2"}}})
    decls = {d.id: d for d in p.decls}
    unions, claims = tag_claims(decls, unions_of(decls.values()))
    b = next(d.id for d in p.decls if d.name[-1:] == ("B",) or d.id.endswith("/B"))
    assert len(unions) == 2
    assert {c[0] for c in claims[b]} == {"kind", "mode"}


def test_targets_follow_the_analysis(tmp_path: Path) -> None:
    """Sound: every target makes a native tagged union (TypeScript's type is a plain union that
    narrows on the literal; its shape check dispatches on the tag); unsound: none does."""
    from stepflow_codegen.targets.python.render import PythonOptions, render_python
    from stepflow_codegen.targets.rust.render import RustOptions, render_rust
    from stepflow_codegen.targets.typescript import layout as ts_layout
    from stepflow_codegen.targets.typescript.checks import CheckBuilder

    for name, expect in (("sound", True), ("shared value", False)):
        defs, _ = CASES[name]
        d = tmp_path / name.replace(" ", "_")
        d.mkdir()
        p = _program(d, {**defs, "U": {"oneOf": [A, B]}}, {})
        diags = Diagnostics()
        py = "".join(render_python(p, PythonOptions(package="u", command="x"), diags).values())
        rs = "".join(render_rust(p, RustOptions(crate="u", command="x"), diags).values())
        decls = {x.id: x for x in p.decls}
        u = next(x for x in unions_of(decls.values()) if x.discriminator is not None)
        ts = ts_layout.render(CheckBuilder(decls, {k: "_" + k for k in decls}).union(u).doc)
        assert ('tag_field="kind"' in py) is expect, name
        assert ('#[serde(tag = "kind")]' in rs) is expect, name
        assert ("rt.tagged(" in ts) is expect, name
