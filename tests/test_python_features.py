"""Behaviour of the generated Python packages (the goldens in ``tests/golden``), checked against ``jsonschema``.

For every feature of the fixture schemas there is a list of valid and invalid instances.  For each
instance: ``jsonschema`` gives the expected verdict; the generated type must agree (valid JSON
decodes and re-encodes to the same JSON, ``1`` staying ``1``; invalid JSON raises
``msgspec.ValidationError``).  Known gaps of the Python target are listed per case (``lenient``:
the schema rejects it but Python accepts it; ``strict``: the other way round) and run as strict
xfails, so fixing a gap makes the test suite say so.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Any

import msgspec
import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import FIXTURES, GOLDEN, load_package, render, strict_equal, write_tree

# --------------------------------------------------------------------------- packages and validators


def golden(name: str) -> ModuleType:
    return load_package(GOLDEN / name / "python", f"golden_{name}")


@pytest.fixture(scope="session")
def applied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    """Each fixture rendered with ``--defaults apply``."""
    root = tmp_path_factory.mktemp("apply")
    out = {}
    for name in ("features", "draft07", "multifile", "collisions"):
        files, _ = render(name, "apply")
        write_tree(root / name, files)
        out[name] = load_package(root / name, f"applied_{name}")
    return out


@lru_cache(maxsize=None)
def registry(name: str) -> Registry:
    resources = []
    for path in sorted((FIXTURES / name).glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.resolve().as_uri(), Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def validator(name: str, file: str, pointer: str) -> Draft7Validator | Draft202012Validator:
    path = FIXTURES / name / file
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = Draft7Validator if "draft-07" in schema.get("$schema", "") else Draft202012Validator
    return cls({"$ref": path.resolve().as_uri() + "#" + pointer}, registry=registry(name))


def wire(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    fixture: str
    type: str
    """Name of the Python type in the package."""
    file: str
    pointer: str
    """JSON pointer of the schema the instances are checked against."""
    valid: list[Any]
    invalid: list[Any] = field(default_factory=list)
    lenient: list[Any] = field(default_factory=list)
    """Schema-invalid instances that the Python type accepts (documented gaps)."""
    strict: list[Any] = field(default_factory=list)
    """Schema-valid instances that the Python type rejects (documented gaps)."""
    accepted: list[Any] = field(default_factory=list)
    """Schema-valid instances that are accepted but re-encoded as an equal JSON value of another
    spelling (``1.0`` for an integer decodes to ``1``)."""
    why: str = ""
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.fixture}-{self.label or self.type}"


def prop(
    fixture: str,
    root: str,
    file: str,
    name: str,
    valid: list[Any],
    invalid: list[Any] = [],
    lenient: list[Any] = [],
    strict: list[Any] = [],
    accepted: list[Any] = [],
    base: dict[str, Any] | None = None,
    why: str = "",
) -> Case:
    """A feature that is an inline property of the root object: instances are ``{name: value}``."""

    def wrap(v: Any) -> dict[str, Any]:
        return {**(base or {}), name: v}

    return Case(
        fixture,
        root,
        file,
        "",
        [wrap(v) for v in valid],
        [wrap(v) for v in invalid],
        [wrap(v) for v in lenient],
        [wrap(v) for v in strict],
        [wrap(v) for v in accepted],
        why,
        label=name,
    )


F = "features.json"
D = "draft07.json"
D_BASE = {"id": "123e4567-e89b-12d3-a456-426614174000"}
ANY_JSON = [None, True, False, 0, -1, 1.5, 1e300, 12345678901234567890, "", "ü\u2028\"'\\", [], {}, [1, [2, {"a": None}]], {"a": {"b": [1.0, "x", False]}}]

CASES: list[Case] = [
    # ----------------------------------------------------------------- features (2020-12)
    Case(
        "features", "Closed", F, "/$defs/Closed",
        valid=[{"a": "x"}, {"a": "x", "b": 1}, {"a": "", "b": -5}],
        invalid=[{}, {"a": 1}, {"a": "x", "c": 1}, {"a": "x", "b": 1.5}, {"a": "x", "b": True}, {"a": None}, [], "x", None],
    ),
    Case(
        "features", "Open", F, "/$defs/Open",
        valid=[{"a": "x"}, {"a": "x", "b": 2, "zz": [1, {"q": None}], "c": 1.5, "": True}],
        invalid=[{}, {"b": 1}, {"a": "x", "b": "no"}, {"a": None}, [], 1],
    ),
    Case(
        "features", "OpenTyped", F, "/$defs/OpenTyped",
        valid=[{}, {"a": "x"}, {"a": "x", "flag": True, "other": False}],
        invalid=[{"flag": 1}, {"flag": None}, {"a": 1}, {"a": "x", "flag": "true"}, []],
    ),
    prop("features", "Features", F, "map", valid=[{}, {"x": 1, "y": -2, "": 0}], invalid=[{"x": 1.5}, {"x": "1"}, {"x": True}, [], None],
         accepted=[{"x": 1.0}]),
    prop("features", "Features", F, "patterned", valid=[{}, {"x-a": "s", "x-": ""}], invalid=[{"y": "s"}, {"x-a": 1}, {"X-a": "s"}]),
    Case(
        "features", "Presence", F, "/$defs/Presence",
        valid=[
            {"req": "r", "reqNullable": None},
            {"req": "r", "reqNullable": "s", "opt": "o", "optNullable": None, "oneOfNull": None},
            {"req": "r", "reqNullable": "s", "optNullable": 3, "oneOfNull": {"a": "x"}},
        ],
        invalid=[
            {"req": "r"},
            {"reqNullable": None},
            {"req": None, "reqNullable": None},
            {"req": "r", "reqNullable": None, "opt": None},
            {"req": "r", "reqNullable": None, "oneOfNull": {"b": 1}},
            {"req": "r", "reqNullable": None, "optNullable": "x"},
            {"req": "r", "reqNullable": None, "optNullable": 1.5},
        ],
    ),
    Case(
        "features", "Defaults", F, "/$defs/Defaults",
        valid=[
            {},
            {"s": "hello", "i": 3, "n": 1.5, "b": True, "z": None, "a": [1, 2], "o": {"k": 1}, "e": "green", "en": None, "p": 2, "t": [0, "zero"], "c": ["red", "blue"]},
            {"s": "x", "i": 0, "n": 1, "b": False, "z": "q", "a": [], "o": {}, "e": "red", "en": "red", "p": 10, "t": [1, "one"], "c": []},
        ],
        invalid=[
            {"s": 1}, {"z": 1}, {"e": "purple"}, {"a": [1.5]}, {"o": {"k": "v"}}, {"en": "blue"}, {"p": 3}, {"t": [1]},
            {"t": [1, "a", 2]}, {"t": ["a", 1]}, {"c": ["purple"]}, {"x": 1},
        ],
    ),
    Case("features", "Color", F, "/$defs/Color", valid=["red", "green", "blue"], invalid=["RED", "", 1, None, ["red"]]),
    Case("features", "Priority", F, "/$defs/Priority", valid=[1, 2, 10], invalid=[3, 0, "1", 1.5, True, None],
         accepted=[10.0]),
    prop("features", "Features", F, "maybeColor", valid=["red", "green", None], invalid=["blue", "null", "", 1, False, ["red"]]),
    prop("features", "Features", F, "version", valid=["1.0"], invalid=["1.1", 1.0, 1, None]),
    Case(
        "features", "Shape", F, "/$defs/Shape",
        valid=[{"kind": "circle", "radius": 1}, {"kind": "square", "side": 2.5}, {"kind": "circle", "radius": 0}],
        invalid=[
            {"kind": "circle", "side": 1}, {"kind": "triangle", "side": 1}, {"radius": 1}, {"kind": "circle", "radius": -1},
            {"kind": "circle", "radius": 1, "x": 1}, {"kind": None}, [], "circle",
        ],
    ),
    Case(
        "features", "Circle", F, "/$defs/Circle",
        valid=[{"kind": "circle", "radius": 1.5}],
        # decode() pairs a tagged struct with a never-matching variant so its tag is required
        invalid=[{"kind": "square", "radius": 1}, {"kind": "circle"}, {"kind": "circle", "radius": 1, "side": 1}, {"radius": 1}],
    ),
    Case(
        "features", "Pet", F, "/$defs/Pet",
        valid=[
            {"petType": "cat"},
            {"petType": "dog", "bark": "woof", "extra": 1},
            {"petType": "cat", "lives": 9, "color": "black"},
            {"petType": "dog", "favoriteColors": []},
            {"petType": "dog", "favoriteColors": ["blue", "red"], "bark": ""},
        ],
        invalid=[
            {"petType": "cow"}, {"lives": 9}, {"petType": "cat", "lives": "nine"}, {"petType": 1}, {"petType": None},
            {"petType": "dog", "favoriteColors": ["purple"]}, {"petType": "dog", "bark": 1}, [], "cat", None,
        ],
    ),
    Case(
        "features", "Contact", F, "/$defs/Contact",
        valid=[{"email": "a@b"}, {"phone": "1", "note": "n"}, {"email": "", "note": ""}],
        invalid=[{"email": "a", "phone": "1"}, {}, {"note": "x"}, {"email": 1}, {"email": "a", "x": 1}, {"phone": None}, [], "a@b"],
    ),
    prop("features", "Features", F, "idOrName", valid=[0, 7, "x"], invalid=[-1, "", 1.5, None, True, []]),
    Case(
        "features", "Named", F, "/$defs/Named",
        valid=[{"id": 1, "name": "n"}, {"id": 1, "name": "n", "extra": True, "more": [None]}],
        invalid=[{"id": 1}, {"name": "n"}, {"id": "1", "name": "n"}, {"id": 1, "name": None}, []],
    ),
    prop("features", "Features", F, "tags", valid=[["a"], ["a", "b", "c"], ["a", "a"]], invalid=[[], ["a", "b", "c", "d"], [1], "a", None]),
    prop("features", "Features", F, "point", valid=[[1, 2.5], [0, 0], [-1.5, 3]], invalid=[[1], [1, 2, 3], ["a", 1], [], {}, None]),
    Case(
        "features", "Tree", F, "/$defs/Tree",
        valid=[{"value": 1}, {"value": 1, "children": []}, {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}],
        invalid=[{"value": 1, "children": [{}]}, {"children": []}, {"value": 1, "x": 1}, {"value": 1, "children": [{"value": "2"}]}, {"value": 1, "children": {}}],
    ),
    Case("features", "JsonValue", F, "/$defs/JsonValue", valid=ANY_JSON),
    prop("features", "Features", F, "json", valid=ANY_JSON),
    Case(
        "features", "Formats", F, "/$defs/Formats",
        valid=[{"when": "2024-01-01T00:00:00Z", "id": "123e4567-e89b-12d3-a456-426614174000"}, {"when": "not a date", "id": "nor a uuid"}, {}],
        invalid=[{"when": 1}, {"id": None}, {"other": "x"}],
    ),
    Case(
        "features", "Limits", F, "/$defs/Limits",
        valid=[
            {}, {"percent": 0}, {"percent": 100}, {"positive": 0.5}, {"positive": 9.99}, {"positive": 1}, {"even": -2}, {"even": 0},
            {"code": "AB"}, {"code": "ABCD"}, {"unique": [1, 2]}, {"unique": []},
        ],
        invalid=[
            {"percent": -1}, {"percent": 101}, {"percent": 50.5}, {"positive": 0}, {"positive": 10}, {"positive": -1.5},
            {"even": 3}, {"code": "A"}, {"code": "ABCDE"}, {"code": "ab"}, {"code": "AB1"}, {"unique": [1, "1"]},
            {"unique": [1, 1]}, {"unique": [1, 1.0]},
        ],
    ),
    prop("features", "Features", F, "amount", valid=[1, 0, -7, 1.5, 1e3, 0.1, 12345678901234567890], invalid=["1", True, None, [1]]),
    prop("features", "Features", F, "contacts", valid=[[], [{"email": "e"}, {"phone": "p", "note": "n"}]],
         invalid=[[{"email": "e", "phone": "p"}], [{}], [None], {}]),
    prop("features", "Features", F, "petOrNull", valid=[None, {"petType": "dog", "x": 1}], invalid=[{"petType": "cow"}, "cat", {}]),
    prop("features", "Features", F, "petsByName", valid=[{}, {"tom": {"petType": "cat"}, "rex": {"petType": "dog", "bark": "b"}}],
         invalid=[{"tom": {"petType": "cow"}}, {"tom": None}, []]),
    prop("features", "Features", F, "openOrNull", valid=[None, {"a": "x", "extra": [1]}], invalid=[{"b": 1}, "x", []]),
    prop("features", "Features", F, "strOrClosed", valid=["s", "", {"a": "x"}], invalid=[1, None, {"b": 1}, {"a": "x", "z": 1}, []]),
    prop("features", "Features", F, "colorOrNull", valid=["red", None], invalid=["purple", 1, False]),
    prop("features", "Features", F, "mixedEnum", valid=["a", 1, True, None], invalid=["b", 0, False, 2, 1.5, "1", "true"]),
    prop("features", "Features", F, "flag", valid=[True], invalid=[False, 1, "true", None]),
    prop("features", "Features", F, "strOrInt", valid=["1", 1, -3, ""], invalid=[1.5, None, True, []],
         accepted=[2.0]),
    prop("features", "Features", F, "signed", valid=[-1, 0, 1], invalid=[2, -2, "1", None, True]),
    prop("features", "Features", F, "closedPatterned", valid=[{}, {"a": 1}, {"a": 1, "x-b": "s", "x-": ""}],
         invalid=[{"a": "1"}, {"x-b": 1}, {"y": "s"}]),
    prop("features", "Features", F, "sized", valid=[{"a": 1}, {"a": 1, "b": 2}], invalid=[{}, {"a": 1, "b": 2, "c": 3}, {"a": "1"}]),
    prop("features", "Features", F, "refPlus", valid=[{"a": "x", "b": 1}], invalid=[{"a": "x"}, {"b": 1}, {"a": "x", "b": 1, "c": 1}]),
    prop("features", "Features", F, "matrix", valid=[[], [[]], [[1, 2.5], [3]]], invalid=[[1], [["1"]], [[None]]]),
    prop("features", "Features", F, "anything", valid=ANY_JSON),
    prop("features", "Features", F, "anyOfObjects", valid=[{"a": "x"}, {"a": "x", "b": 1}, {}, {"flag": True}, {"a": "x", "flag": False}],
         invalid=[{"a": 1}, {"flag": 1}, {"a": "x", "b": "1"}, []]),
    Case(
        "features", "Animal", F, "/$defs/Animal",
        valid=[{"kind": "bird", "wings": 2}, {"kind": "Fish", "fins": 1}],
        invalid=[{"wings": 2}, {"kind": 1}, {"kind": "bird", "wings": "2"}, {}],
    ),
    Case(
        "features", "Versioned", F, "/$defs/Versioned",
        valid=[{"v": 1}, {"v": 1, "a": "x"}, {"v": 2, "b": 3}],
        invalid=[{"v": 3}, {"v": "1"}, {"v": 1, "b": 3}, {"v": True}, {}, {"a": "x"}],
        accepted=[{"v": 1.0}],
    ),
    prop("features", "Features", F, "shortTuple", valid=[[], ["a"], ["a", 1]], invalid=[["a", 1, 2], "a", [1], ["a", "b"]]),
    prop("features", "Features", F, "openTuple", valid=[["a"], ["a", 1, 2]], invalid=[[], "a", [1], ["a", "b"]]),
    Case("features", "Mode", "mode.json", "", valid=["fast", "slow", None], invalid=["medium", "", 0, False]),
    prop("features", "Features", F, "mode", valid=["fast", None], invalid=["medium", 1]),
    prop("features", "Features", F, "anchored", valid=[{"a": "x"}], invalid=[{"b": 1}, {"a": "x", "c": 1}]),
    Case(
        "features", "Features", F, "",
        valid=[{}, {"closed": {"a": "x"}, "open": {"a": "y", "z": 1}, "shape": {"kind": "square", "side": 1}, "pet": {"petType": "cat"},
                    "contact": {"phone": "1"}, "color": "blue", "priority": 10, "maybeColor": None, "version": "1.0"}],
        invalid=[{"unknown": 1}, {"closed": {"a": "x", "z": 1}}, None, [], "x"],
        label="root",
    ),
    # ----------------------------------------------------------------- draft-07
    Case("draft07", "Closed", D, "/definitions/Closed", valid=[{"x": 1}], invalid=[{}, {"x": "1"}, {"x": 1, "y": 2}]),
    Case("draft07", "Open", D, "/definitions/Open", valid=[{}, {"x": 1, "y": [2]}], invalid=[{"x": "1"}, []]),
    prop("draft07", "Draft07", D, "counts", base=D_BASE, valid=[{}, {"a": 0, "b": 3}], invalid=[{"a": -1}, {"a": "1"}, {"a": None}]),
    prop("draft07", "Draft07", D, "labels", base=D_BASE, valid=[{}, {"abc": "x"}], invalid=[{"ABC": "x"}, {"abc": 1}, {"a1": "x"}]),
    prop("draft07", "Draft07", D, "nullable", base=D_BASE, valid=[None, "s"], invalid=[1, []]),
    prop("draft07", "Draft07", D, "nullableRef", base=D_BASE, valid=[None, {"x": 1}], invalid=[{"x": "1"}, "s", {}]),
    Case(
        "draft07", "Settings", D, "/definitions/Settings",
        valid=[
            {},
            {"name": "n", "retries": 2, "scale": 2.5, "verbose": True, "parent": None, "paths": ["a"], "env": {"k": "v"}, "origin": {"x": 1}, "level": 2},
            {"name": "anon", "retries": 0, "scale": 2, "verbose": False, "paths": [], "env": {}, "origin": {"x": 0}, "level": 1},
        ],
        invalid=[{"retries": "1"}, {"origin": {}}, {"level": 3}, {"parent": 1}, {"paths": [1]}, {"env": {"k": 1}}, {"x": 1}],
    ),
    Case("draft07", "Level", D, "/definitions/Level", valid=[0, 1, 2], invalid=[3, -1, "1", None]),
    Case("draft07", "Status", D, "/definitions/Status", valid=["active", "inactive"], invalid=["Active", None, 1]),
    prop("draft07", "Draft07", D, "mode", base=D_BASE, valid=["fast", "slow", None], invalid=["medium", 0, "null"]),
    prop("draft07", "Draft07", D, "kind", base=D_BASE, valid=[7], invalid=[8, "7", None, True],
         accepted=[7.0]),
    Case(
        "draft07", "Event", D, "/definitions/Event",
        valid=[{"type": "click", "x": 1, "y": 2}, {"type": "key", "code": "a"}],
        invalid=[{"type": "click", "x": 1}, {"type": "scroll"}, {"type": "key", "code": "a", "x": 1}, {"code": "a"}, []],
    ),
    Case(
        "draft07", "Target", D, "/definitions/Target",
        valid=[{"url": "u"}, {"path": "p"}],
        invalid=[{"url": "u", "path": "p"}, {}, {"url": 1}, {"url": "u", "x": 1}, "u"],
    ),
    prop("draft07", "Draft07", D, "numOrList", base=D_BASE, valid=[1, 1.5, [], [1, 2.5]], invalid=["1", [True], None, {}]),
    Case(
        "draft07", "Person", D, "/definitions/Person",
        valid=[{"first": "a", "last": "b"}, {"first": "a", "last": "b", "age": 3}],
        invalid=[{"first": "a"}, {"first": 1, "last": "b"}, {}],
    ),
    prop("draft07", "Draft07", D, "pair", base=D_BASE, valid=[["a", 1]], invalid=[["a"], ["a", 1, 2], [1, "a"], []]),
    prop("draft07", "Draft07", D, "header", base=D_BASE, valid=[["a"], ["a", True, False]], invalid=[[], "a", ["a", 1], [1], [1, True]]),
    prop("draft07", "Draft07", D, "bounded", base=D_BASE, valid=[[1, 2], [1, 2, 3, 4]], invalid=[[1], [1, 2, 3, 4, 5], [1, "2"]]),
    Case("draft07", "Node", D, "/definitions/Node", valid=[{"name": "a"}, {"name": "a", "next": {"name": "b"}}], invalid=[{"name": "a", "next": {}}, {"name": "a", "next": None}]),
    Case("draft07", "Json", D, "/definitions/Json", valid=ANY_JSON),
    prop("draft07", "Draft07", D, "when", base=D_BASE, valid=["2020-01-01T00:00:00Z", "x"], invalid=[5, None]),
    Case(
        "draft07", "Limits", D, "/definitions/Limits",
        valid=[{"low": -5}, {"low": 4}, {"step": 10}, {"step": 0}, {"step": -5}, {"step": 5.0}, {"word": "o"}, {"word": "foo"}],
        invalid=[{"low": -6}, {"low": 5}, {"step": 7}, {"step": 2.5}, {"word": "abcd"}, {"word": "xyz"}],
    ),
    prop("draft07", "Draft07", D, "ratio", base=D_BASE, valid=[1, 0.25, -3], invalid=["1", None]),
    prop("draft07", "Draft07", D, "refPlus", base=D_BASE, valid=[{}, {"x": 1, "y": 2}], invalid=[{"x": "1"}, []]),
    prop("draft07", "Draft07", D, "maybeLevel", base=D_BASE, valid=[1, 2, None], invalid=[0, "1", 3]),
    Case("draft07", "MaybeLevel", D, "/definitions/MaybeLevel", valid=[1, 2, None], invalid=[0, "1", 3]),
    Case("draft07", "NestedList", D, "/definitions/NestedList", valid=[[], [[]], [[], [[[]]]]], invalid=[[1], [[None]], {}, None]),
    Case("draft07", "Expr", D, "/definitions/Expr", valid=[1, 2.5, [1], [[1, 2], 3.5]], invalid=[[], [[]], "1", None, [1, "a"]]),
    Case("draft07", "Draft07", D, "", valid=[D_BASE], invalid=[{}, {"id": 1}, {**D_BASE, "x": 1}], label="root"),
    # ----------------------------------------------------------------- multi-file
    Case(
        "multifile", "Order", "order.json", "",
        valid=[
            {"id": "o1", "total": {"amount": 1, "currency": "EUR"}, "lines": []},
            {
                "id": "o2",
                "total": {"amount": 2.5, "currency": "USD"},
                "lines": [{"sku": "a", "quantity": 2, "price": {"amount": 1.25, "currency": "USD"}}],
                "currency": "USD",
                "billing": {"city": "Paris", "zip": "75001"},
            },
        ],
        invalid=[
            {"id": "o1", "lines": []},
            {"id": "o1", "total": {"amount": 1, "currency": "GBP"}, "lines": []},
            {"id": "o1", "total": {"amount": 1, "currency": "EUR"}, "lines": [{"sku": "a", "quantity": 0, "price": {"amount": 1, "currency": "EUR"}}]},
            {"id": "o1", "total": {"amount": 1, "currency": "EUR"}, "lines": [], "billing": {"street": "s"}},
            {"id": "o1", "total": {"amount": 1, "currency": "EUR"}, "lines": [], "x": 1},
        ],
    ),
    Case("multifile", "OrderMeta", "meta.json", "", valid=[{}, {"source": "s", "currency": "USD"}], invalid=[{"x": 1}, {"currency": "GBP"}]),
    prop("multifile", "Order", "order.json", "meta", base={"id": "o", "total": {"amount": 1, "currency": "EUR"}, "lines": []},
         valid=[{}, {"source": "web"}], invalid=[{"source": 1}, []]),
    Case("multifile", "Money", "common.json", "/$defs/Money", valid=[{"amount": 0, "currency": "EUR"}], invalid=[{"amount": 0}, {"amount": "0", "currency": "EUR"}]),
    Case("multifile", "Address", "common.json", "/$defs/Address", valid=[{"city": "c"}, {"city": "c", "street": "s", "x": [1]}], invalid=[{}, {"city": 1}]),
    Case("multifile", "Currency", "common.json", "/$defs/Currency", valid=["EUR", "USD"], invalid=["eur", None]),
    # ----------------------------------------------------------------- collisions
    Case("collisions", "FooBar_2", "collisions.json", "/$defs/foo_bar", valid=[{"snake": 1}], invalid=[{"pascal": "x"}, {"snake": "1"}]),
    Case("collisions", "FooBar", "collisions.json", "/$defs/FooBar", valid=[{"pascal": "x"}], invalid=[{"snake": 1}, {}]),
    Case("collisions", "CollisionsFooBar", "collisions.json", "/$defs/foo-bar", valid=[{"kebab": True}], invalid=[{"kebab": "true"}]),
    Case("collisions", "Class", "collisions.json", "/$defs/class", valid=[{}, {"class": "x"}], invalid=[{"class": 1}, {"class_": "x"}]),
    Case("collisions", "Any_", "collisions.json", "/$defs/Any", valid=["s", ""], invalid=[1, None, {}]),
    Case("collisions", "List", "collisions.json", "/$defs/list", valid=[[], [1, 2]], invalid=[["a"], {}, None]),
    Case("collisions", "None_", "collisions.json", "/$defs/None", valid=["None", "none", "NONE", "null", ""], invalid=[None, "nOne", 0]),
    Case("collisions", "UNSET_", "collisions.json", "/$defs/UNSET", valid=["UNSET"], invalid=["unset", None]),
    Case("collisions", "Meta_", "collisions.json", "/$defs/Meta", valid=[0, -3], invalid=[1.5, "1"]),
    Case("collisions", "Decode", "collisions.json", "/$defs/decode", valid=[{}, {"decode": "d", "encode": "e", "x": 1}], invalid=[{"decode": 1}]),
    Case(
        "collisions", "Props", "collisions.json", "/$defs/Props",
        valid=[
            {"class": "c", "fooBar": 1},
            {
                "class": "c", "type": "t", "$type": "$t", "kebab-name": 1, "2fa": True, "naïve": "n", "über": "u",
                "additional_properties": 2, "fooBar": 3, "foo_bar": "fb", "self": 4, "None": 5, "UNSET": 6, "msgspec": 7, "": 8,
            },
        ],
        invalid=[
            {"fooBar": 1}, {"class": "c"}, {"class": "c", "fooBar": "1"}, {"class": "c", "fooBar": 1, "foo-bar": 1},
            {"class": "c", "fooBar": 1, "class_": "c"}, {"class": "c", "fooBar": 1, "naive": "n"}, {"class": "c", "fooBar": 1, "foo_bar": 1},
        ],
    ),
    Case(
        "collisions", "OpenProps", "collisions.json", "/$defs/OpenProps",
        valid=[
            {"fooBar": 1},
            {
                "class": "c", "type": "t", "$type": "$t", "kebab-name": 1, "2fa": True, "naïve": "n", "über": "u",
                "additional_properties": 2, "fooBar": 3, "foo_bar": "fb", "self": 4, "cls": 5, "class_": "extra", "foo-bar": [1],
            },
        ],
        invalid=[{}, {"fooBar": "1"}, {"fooBar": 1, "self": "me"}, {"fooBar": 1, "additional_properties": {}}],
    ),
    Case(
        "collisions", "Hostile", "collisions.json", "/$defs/Hostile",
        valid=[
            {"choice": 'a"b'},
            {"choice": "g\nh", "text": "'''\"\nline two \\ \"\"\" {x} %s", "pattern": '"""', "fixed": '"); import os; ("'},
            {"choice": '""")\nimport os\n#', "pattern": "\"'\\\"\"\""},
        ],
        invalid=[{}, {"choice": "x"}, {"choice": 'a"b', "pattern": "abc"}, {"choice": 'a"b', "fixed": "x"}, {"choice": "a\\\"b"}],
    ),
    Case(
        "collisions", "Quotes", "collisions.json", "/$defs/Quotes",
        valid=[{}, {'x"\ny': 1}],
        invalid=[{'x"\ny': "s"}, {"other": 1}],
    ),
    Case(
        "collisions", "Collisions", "collisions.json", "",
        valid=[
            {},
            {
                "snake": {"snake": 1}, "pascal": {"pascal": "p"}, "kebab": {"kebab": False}, "klass": {"class": "k"}, "any": "a",
                "list": [1], "none": "None", "inline": {"ok": True}, "unset": "UNSET", "meta": 1, "decode": {"decode": "x"},
                "quotes": {'x"\ny': 2},
            },
        ],
        invalid=[{"snake": {"pascal": "p"}}, {"inline": {"ok": 1}}, {"inline": {"ok": True, "x": 1}}, {"list": ["1"]}, {"Snake": {}}],
        label="root",
    ),
]


def _params(kind: str) -> list[Any]:
    out = []
    for case in CASES:
        rows: list[tuple[Any, bool, str]] = []
        if kind in ("valid", "all"):
            rows += [(v, True, f"valid{i}") for i, v in enumerate(case.valid)]
        if kind in ("invalid", "all"):
            rows += [(v, False, f"invalid{i}") for i, v in enumerate(case.invalid)]
        if kind in ("accepted", "all"):
            rows += [(v, True, f"accepted{i}") for i, v in enumerate(case.accepted)]
        if kind == "all":
            rows += [(v, False, f"lenient{i}") for i, v in enumerate(case.lenient)]
            rows += [(v, True, f"strict{i}") for i, v in enumerate(case.strict)]
        out += [pytest.param(case, v, ok, id=f"{case.id}-{tag}") for v, ok, tag in rows]
    return out


def _gaps() -> list[Any]:
    out = []
    for case in CASES:
        for i, v in enumerate(case.lenient):
            out.append(pytest.param(case, v, False, id=f"{case.id}-lenient{i}", marks=pytest.mark.xfail(strict=True, reason=case.why)))
        for i, v in enumerate(case.strict):
            out.append(pytest.param(case, v, True, id=f"{case.id}-strict{i}", marks=pytest.mark.xfail(strict=True, reason=case.why)))
    return out


def py_type(case: Case, package: ModuleType | None = None) -> Any:
    pkg = package or golden(case.fixture)
    return getattr(pkg, case.type)


def _python_accepts(case: Case, instance: Any, package: ModuleType | None = None) -> bool:
    pkg = package or golden(case.fixture)
    tp = py_type(case, pkg)
    try:
        value = pkg.decode(wire(instance), tp)
    except msgspec.ValidationError:
        with pytest.raises(msgspec.ValidationError):
            pkg.convert(instance, tp)
        return False
    assert pkg.convert(instance, tp) == value  # convert (parsed JSON) and decode (bytes) agree
    return True


# --------------------------------------------------------------------------- the tests


def test_every_fixture_type_has_cases() -> None:
    for fixture in ("features", "draft07", "multifile", "collisions"):
        pkg = golden(fixture)
        covered = {c.type for c in CASES if c.fixture == fixture}
        exported = set(pkg.types.__all__)
        assert covered <= exported, covered - exported


@pytest.mark.parametrize(("case", "instance", "expected"), _params("all"))
def test_fixture_expectation_matches_jsonschema(case: Case, instance: Any, expected: bool) -> None:
    """The case tables say what jsonschema says (so they test the schema, not my reading of it)."""
    errors = [e.message for e in validator(case.fixture, case.file, case.pointer).iter_errors(instance)]
    assert (not errors) == expected, errors


@pytest.mark.parametrize(("case", "instance", "expected"), _params("valid"))
def test_valid_json_round_trips(case: Case, instance: Any, expected: bool) -> None:
    pkg = golden(case.fixture)
    tp = py_type(case)
    value = pkg.decode(wire(instance), tp)
    encoded = pkg.encode(value)
    assert strict_equal(json.loads(encoded), instance), (encoded, instance)
    assert strict_equal(json.loads(json.dumps(pkg.to_builtins(value))), json.loads(encoded))
    assert strict_equal(json.loads(pkg.encode(pkg.convert(instance, tp))), instance)
    # and the encoding decodes to an equal value
    assert pkg.decode(encoded, tp) == value


@pytest.mark.parametrize(("case", "instance", "expected"), _params("invalid"))
def test_invalid_json_is_rejected(case: Case, instance: Any, expected: bool) -> None:
    pkg = golden(case.fixture)
    tp = py_type(case)
    with pytest.raises(msgspec.ValidationError):
        pkg.decode(wire(instance), tp)
    with pytest.raises(msgspec.ValidationError):
        pkg.convert(instance, tp)


@pytest.mark.parametrize(("case", "instance", "expected"), _params("valid") + _params("invalid") + _params("accepted") + _gaps())
def test_python_agrees_with_jsonschema(case: Case, instance: Any, expected: bool) -> None:
    schema_ok = validator(case.fixture, case.file, case.pointer).is_valid(instance)
    assert schema_ok == expected
    assert _python_accepts(case, instance) == schema_ok


@pytest.mark.parametrize(("case", "instance", "expected"), _params("valid") + _params("invalid") + _params("accepted") + _gaps())
def test_apply_mode_agrees_too(case: Case, instance: Any, expected: bool, applied: dict[str, ModuleType]) -> None:
    """``--defaults apply`` changes what absent fields decode to, never what is accepted."""
    pkg = applied[case.fixture]
    assert _python_accepts(case, instance, pkg) == expected
    if expected:
        tp = py_type(case, pkg)
        value = pkg.decode(wire(instance), tp)
        assert pkg.decode(pkg.encode(value), tp) == value


# --------------------------------------------------------------------------- open and closed objects


def test_open_object_keeps_unknown_keys() -> None:
    pkg = golden("features")
    data = {"a": "x", "b": 2, "zz": [1, {"q": None}], "n": 1, "f": 1.0}
    value = pkg.decode(wire(data), pkg.Open)
    assert value.a == "x" and value.b == 2
    assert value.additional_properties == {"zz": [1, {"q": None}], "n": 1, "f": 1.0}
    assert strict_equal(json.loads(pkg.encode(value)), data)
    built = pkg.Open(a="x", additional_properties={"k": True})
    assert json.loads(pkg.encode(built)) == {"a": "x", "k": True}
    typed = pkg.decode(b'{"a": "x", "flag": true}', pkg.OpenTyped)
    assert typed.additional_properties == {"flag": True}
    with pytest.raises(msgspec.ValidationError):
        pkg.decode(b'{"flag": "yes"}', pkg.OpenTyped)
    named = pkg.decode(b'{"id": 1, "name": "n", "extra": [1]}', pkg.Named)
    assert (named.id, named.name, named.additional_properties) == (1, "n", {"extra": [1]})


def test_open_object_inside_a_union_keeps_unknown_keys() -> None:
    pkg = golden("features")
    pet = pkg.decode(b'{"petType": "dog", "bark": "woof", "x": {"y": 1}}', pkg.Pet)
    assert isinstance(pet, pkg.Dog) and isinstance(pet, pkg.Pet)
    assert pet.additional_properties == {"x": {"y": 1}}
    assert json.loads(pkg.encode(pet)) == {"petType": "dog", "bark": "woof", "x": {"y": 1}}
    with pytest.raises(TypeError):
        pkg.Pet()


def test_closed_object_rejects_unknown_keys() -> None:
    pkg = golden("features")
    for tp, data in ((pkg.Closed, {"a": "x", "z": 1}), (pkg.Tree, {"value": 1, "z": 1}), (pkg.Shape, {"kind": "circle", "radius": 1, "z": 1})):
        with pytest.raises(msgspec.ValidationError):
            pkg.decode(wire(data), tp)


def test_unions_pick_the_right_variant() -> None:
    pkg = golden("features")
    assert isinstance(pkg.decode(b'{"kind": "square", "side": 2}', pkg.Shape), pkg.Square)
    assert isinstance(pkg.decode(b'{"phone": "1"}', pkg.Contact), pkg.PhoneContact)
    assert isinstance(pkg.decode(b'{"email": "e"}', pkg.Contact), pkg.EmailContact)
    cat = pkg.decode(b'{"petType": "cat", "lives": 3}', pkg.Pet)
    assert isinstance(cat, pkg.Cat) and cat.lives == 3
    d7 = golden("draft07")
    assert isinstance(d7.decode(b'{"type": "key", "code": "k"}', d7.Event), d7.Key)
    assert isinstance(d7.decode(b'{"path": "p"}', d7.Target), d7.ByPath)


def test_openapi_discriminator_mapping() -> None:
    """An OpenAPI discriminator whose variants do not pin the tag is an annotation, as JSON Schema says:
    the variants are told apart by their keys and the validator (oneOf), never by the tag's value."""
    pkg = golden("features")
    schema = validator("features", F, "/$defs/Animal")
    assert not schema.is_valid({"kind": "bird"})  # both branches match: oneOf fails
    with pytest.raises(pkg.ValidationError) as e:  # the validator says what the schema says
        pkg.decode(b'{"kind": "bird"}', pkg.Animal)
    assert (e.value.keyword, e.value.pointer) == ("oneOf", "")
    bird = pkg.decode(b'{"kind": "bird", "wings": 2}', pkg.Animal)
    assert isinstance(bird, pkg.Bird) and json.loads(pkg.encode(bird)) == {"kind": "bird", "wings": 2}
    fish = pkg.decode(b'{"kind": "Fish", "fins": 2}', pkg.Animal)
    assert isinstance(fish, pkg.Fish) and json.loads(pkg.encode(fish)) == {"kind": "Fish", "fins": 2}
    for data in ({"kind": "fish", "fins": 1}, {"kind": "bird", "fins": 1}):
        assert schema.is_valid(data)  # the tag value is only a string to JSON Schema
        value = pkg.decode(wire(data), pkg.Animal)  # so it decodes: Fish by its keys
        assert isinstance(value, pkg.Fish) and json.loads(pkg.encode(value)) == data
    # a variant decoded alone does not check a tag either
    assert pkg.decode(b'{"kind": "x", "wings": 1}', pkg.Bird).kind == "x"


# --------------------------------------------------------------------------- numbers


def test_numbers_keep_their_spelling() -> None:
    pkg = golden("features")
    one = pkg.decode(b'{"amount": 1}', pkg.Features)
    assert type(one.amount) is int
    assert pkg.encode(one) == b'{"amount":1}'
    fraction = pkg.decode(b'{"amount": 1.5}', pkg.Features)
    assert pkg.encode(fraction) == b'{"amount":1.5}'
    one_point_oh = pkg.decode(b'{"amount": 1.0}', pkg.Features)
    assert type(one_point_oh.amount) is float
    assert pkg.encode(one_point_oh) == b'{"amount":1.0}'
    point = pkg.decode(b'{"point": [1, 2.0]}', pkg.Features)
    assert pkg.encode(point) == b'{"point":[1,2.0]}'
    json_value = pkg.decode(b"[1, 1.0, 100000000000000000000]", pkg.JsonValue)
    assert pkg.encode(json_value) == b"[1,1.0,100000000000000000000]"


# --------------------------------------------------------------------------- defaults


def test_preserve_mode_leaves_absent_fields_unset() -> None:
    pkg = golden("features")
    value = pkg.decode(b"{}", pkg.Defaults)
    assert all(getattr(value, f) is pkg.UNSET for f in value.__struct_fields__)
    assert pkg.encode(value) == b"{}"
    same = pkg.decode(b'{"i": 3, "s": "hello"}', pkg.Defaults)
    assert json.loads(pkg.encode(same)) == {"i": 3, "s": "hello"}


def test_apply_mode_gives_defaults_and_omits_them(applied: dict[str, ModuleType]) -> None:
    pkg = applied["features"]
    value = pkg.decode(b"{}", pkg.Defaults)
    assert value.s == "hello" and value.i == 3 and value.n == 1.5 and value.b is True and value.z is None
    assert value.a == [1, 2] and value.o == {"k": 1} and value.t == (0, "zero")
    assert value.e is pkg.Color.GREEN and value.p is pkg.Priority.MEDIUM and value.en is None
    assert value.c == [pkg.Color.RED, pkg.Color.BLUE] and all(isinstance(c, pkg.Color) for c in value.c)
    assert pkg.encode(value) == b"{}"
    # mutable defaults are not shared
    other = pkg.decode(b"{}", pkg.Defaults)
    value.a.append(3)
    value.o["x"] = 2
    assert other.a == [1, 2] and other.o == {"k": 1}
    assert pkg.Defaults().a == [1, 2]
    # values differing from the default are written; values equal to it are not
    changed = pkg.decode(b'{"i": 4, "s": "hello", "e": "red", "en": "red", "c": []}', pkg.Defaults)
    assert json.loads(pkg.encode(changed)) == {"i": 4, "e": "red", "en": "red", "c": []}
    assert json.loads(pkg.encode(pkg.Defaults(i=5, z="q"))) == {"i": 5, "z": "q"}


def test_apply_mode_defaults_of_open_objects(applied: dict[str, ModuleType]) -> None:
    pkg = applied["features"]
    cat = pkg.decode(b'{"petType": "cat"}', pkg.Pet)
    assert cat.lives == 9
    assert pkg.encode(cat) == b'{"petType":"cat"}'
    assert json.loads(pkg.encode(pkg.decode(b'{"petType": "cat", "lives": 1}', pkg.Pet))) == {"petType": "cat", "lives": 1}
    dog = pkg.decode(b'{"petType": "dog", "x": 1}', pkg.Dog)
    assert dog.favorite_colors == [pkg.Color.RED] and isinstance(dog.favorite_colors[0], pkg.Color)
    assert json.loads(pkg.encode(dog)) == {"petType": "dog", "x": 1}
    dog.favorite_colors.append(pkg.Color.BLUE)
    assert pkg.decode(b'{"petType": "dog"}', pkg.Dog).favorite_colors == [pkg.Color.RED]
    a, b = pkg.Dog(pet_type="dog"), pkg.Dog(pet_type="dog")
    a.favorite_colors.append(pkg.Color.GREEN)
    assert b.favorite_colors == [pkg.Color.RED]


def test_apply_mode_object_defaults_are_built_afresh(applied: dict[str, ModuleType]) -> None:
    """A default holding an object is applied as Rust and TypeScript apply it: decoded from its JSON
    as a document is, a fresh object for every value, and not written back when equal."""
    pkg = applied["draft07"]
    settings = pkg.decode(b"{}", pkg.Settings)
    assert isinstance(settings.origin, pkg.Closed) and settings.origin.x == 0
    assert (settings.name, settings.retries, settings.scale, settings.verbose, settings.parent) == ("anon", 0, 2, False, None)
    assert settings.paths == [] and settings.env == {} and settings.level is pkg.Level.INFO
    assert pkg.encode(settings) == b"{}"
    assert pkg.decode(b"{}", pkg.Settings).origin is not settings.origin
    assert pkg.Settings().origin is not pkg.Settings().origin and pkg.Settings().origin == settings.origin
    assert json.loads(pkg.encode(pkg.decode(b'{"origin": {"x": 1}}', pkg.Settings))) == {"origin": {"x": 1}}
    _, diags = render("draft07", "apply")
    assert "origin" not in diags


# --------------------------------------------------------------------------- any JSON, recursion, enum with null


@pytest.mark.parametrize("value", ANY_JSON + [{"deep": [[[[{"x": [None, 1.25, -0.0, "\u0000"]}]]]]}])
def test_json_value_alias_accepts_any_json(value: Any) -> None:
    for fixture, tp in (("features", "JsonValue"), ("draft07", "Json")):
        pkg = golden(fixture)
        data = wire(value)
        decoded = pkg.decode(data, getattr(pkg, tp))
        assert strict_equal(json.loads(pkg.encode(decoded)), value)


def _tree(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"value": depth}
    for i in range(depth - 1, 0, -1):
        node = {"value": i, "children": [node, {"value": -i}]}
    return node


def test_tree_recursion_50_levels() -> None:
    pkg = golden("features")
    tree = _tree(50)
    assert validator("features", F, "/$defs/Tree").is_valid(tree)
    value = pkg.decode(wire(tree), pkg.Tree)
    depth, node = 1, value
    while node.children is not pkg.UNSET:
        node, depth = node.children[0], depth + 1
    assert depth == 50 and node.value == 50
    assert strict_equal(json.loads(pkg.encode(value)), tree)
    broken = _tree(50)
    inner = broken
    for _ in range(48):
        inner = inner["children"][0]
    inner["children"][0]["value"] = "fifty"
    with pytest.raises(msgspec.ValidationError):
        pkg.decode(wire(broken), pkg.Tree)
    d7 = golden("draft07")
    chain: dict[str, Any] = {"name": "n50"}
    for i in range(49, 0, -1):
        chain = {"name": f"n{i}", "next": chain}
    assert strict_equal(json.loads(d7.encode(d7.decode(wire(chain), d7.Node))), chain)


def test_enum_with_null() -> None:
    pkg = golden("features")
    assert [m.value for m in pkg.FeaturesMaybeColor] == ["red", "green"]
    value = pkg.decode(b'{"maybeColor": null, "color": "blue", "priority": 2}', pkg.Features)
    assert value.maybe_color is None and value.color is pkg.Color.BLUE and value.priority is pkg.Priority.MEDIUM
    assert json.loads(pkg.encode(value)) == {"maybeColor": None, "color": "blue", "priority": 2}
    assert pkg.decode(b'{"maybeColor": "red"}', pkg.Features).maybe_color is pkg.FeaturesMaybeColor.RED
    assert pkg.decode(b"{}", pkg.Features).maybe_color is pkg.UNSET
    for bad in (b'{"maybeColor": "blue"}', b'{"maybeColor": 0}', b'{"maybeColor": "null"}'):
        with pytest.raises(msgspec.ValidationError):
            pkg.decode(bad, pkg.Features)
    # the root type is still a plain struct: null is not a Features
    assert issubclass(pkg.Features, msgspec.Struct)
    with pytest.raises(msgspec.ValidationError):
        pkg.decode(b"null", pkg.Features)
    # a root schema that is an enum with null: its name is the whole type, null included
    assert pkg.decode(b"null", pkg.Mode) is None
    assert pkg.decode(b'"slow"', pkg.Mode) is pkg.ModeEnum.SLOW
    with pytest.raises(msgspec.ValidationError):
        pkg.decode(b'"medium"', pkg.Mode)
    assert pkg.decode(b'{"mode": null}', pkg.Features).mode is None


# --------------------------------------------------------------------------- multi-file


def test_multifile_ref_with_sibling_description() -> None:
    pkg = golden("multifile")
    assert pkg.Order.__annotations__["total"] == "Money"
    tree = ast.parse((GOLDEN / "multifile" / "python" / "types.py").read_text(encoding="utf-8"))
    docs = _attribute_docs(tree, "Order")
    assert docs["total"] == "The total price, tax included."
    assert docs["billing"] == "Where the invoice goes."
    order = pkg.decode(b'{"id": "o", "total": {"amount": 1, "currency": "EUR"}, "lines": []}', pkg.Order)
    assert isinstance(order.total, pkg.Money) and order.total.currency is pkg.Currency.EUR


# --------------------------------------------------------------------------- collisions and hostile text


PROPS_WIRE = {
    "class": ("class_", "c"),
    "type": ("type", "t"),
    "$type": ("type_2", "$t"),
    "kebab-name": ("kebab_name", 1),
    "2fa": ("field_2fa", True),
    "naïve": ("naive", "n"),
    "über": ("uber", "u"),
    "additional_properties": ("additional_properties_", 2),
    "fooBar": ("foo_bar_2", 3),
    "foo_bar": ("foo_bar", "fb"),
    "self": ("self_", 4),
    "None": ("none", 5),
    "UNSET": ("unset", 6),
    "msgspec": ("msgspec_", 7),
    "": ("field", 8),
}


def test_collisions_every_property_survives_under_its_wire_name() -> None:
    pkg = golden("collisions")
    data = {k: v for k, (_, v) in PROPS_WIRE.items()}
    value = pkg.decode(wire(data), pkg.Props)
    for key, (attr, expected) in PROPS_WIRE.items():
        assert getattr(value, attr) == expected, key
    assert strict_equal(json.loads(pkg.encode(value)), data)
    assert list(json.loads(pkg.encode(value))) == list(data)

    declared = [k for k in PROPS_WIRE if k not in ("None", "UNSET", "msgspec", "")]
    open_data = {k: PROPS_WIRE[k][1] for k in declared}
    open_data |= {"cls": 9, "class_": "not the class property", "foo-bar": [1], "None": None}
    opened = pkg.decode(wire(open_data), pkg.OpenProps)
    for key in declared:
        attr, expected = PROPS_WIRE[key]
        assert getattr(opened, attr) == expected, key
    assert opened.cls == 9
    assert opened.additional_properties == {"class_": "not the class property", "foo-bar": [1], "None": None}
    assert strict_equal(json.loads(pkg.encode(opened)), open_data)

    built = pkg.OpenProps(foo_bar_2=1, self_=2, class_="c", additional_properties={"x": 1})
    assert json.loads(pkg.encode(built)) == {"class": "c", "fooBar": 1, "self": 2, "x": 1}


def test_collisions_type_names_are_distinct() -> None:
    pkg = golden("collisions")
    names = ["FooBar", "FooBar_2", "CollisionsFooBar", "Class", "Any_", "List", "None_", "UNSET_", "Meta_", "Decode"]
    assert len({id(getattr(pkg, n)) for n in names}) == len(names)
    value = pkg.decode(b'{"snake": {"snake": 1}, "pascal": {"pascal": "p"}, "kebab": {"kebab": true}}', pkg.Collisions)
    assert isinstance(value.snake, pkg.FooBar_2) and isinstance(value.pascal, pkg.FooBar)
    assert isinstance(value.kebab, pkg.CollisionsFooBar)
    # the package's own helpers are not shadowed by schema types
    assert pkg.decode is pkg._runtime.decode and pkg.UNSET is msgspec.UNSET


def test_unrepresentable_property_name_is_kept() -> None:
    pkg = golden("collisions")
    value = pkg.decode(b'{"x\\"\\ny": 1}', pkg.Quotes)
    assert value.additional_properties == {'x"\ny': 1}
    assert pkg.encode(value) == b'{"x\\"\\ny":1}'


def _attribute_docs(tree: ast.Module, cls: str) -> dict[str, str]:
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls)
    out = {}
    for a, b in zip(node.body, node.body[1:]):
        if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant):
            out[a.target.id] = inspect.cleandoc(b.value.value)
    return out


ALLOWED_CALLS = {"Meta", "msgspec.field", "frozenset", "_runtime.use_defaults", "_runtime.register", "_runtime.Named", "globals"}


@pytest.mark.parametrize("defaults", ["preserve", "apply"])
def test_hostile_schema_text_cannot_inject_code(defaults: str) -> None:
    files, _ = render("collisions", defaults)
    for rel, text in files.items():
        if rel not in ("types.py", "__init__.py"):
            continue  # the others do not depend on the schema
        tree = ast.parse(text)
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Name) and node.id in ("os", "system", "eval", "exec")), (rel, ast.unparse(node))
            assert not (isinstance(node, ast.Attribute) and node.attr == "system"), rel
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                assert node.col_offset == 0 and all(a.name != "os" for a in node.names), (rel, ast.unparse(node))
        if rel != "types.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                assert name in ALLOWED_CALLS or name.startswith("lambda"), name
        # text is carried exactly (modulo whitespace cleanup) where it belongs
        schema = json.loads((FIXTURES / "collisions" / "collisions.json").read_text(encoding="utf-8"))
        hostile = schema["$defs"]["Hostile"]
        docs = _attribute_docs(tree, "Hostile")
        assert docs["text"] == hostile["properties"]["text"]["description"]
        root_doc = ast.get_docstring(next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Collisions"))
        assert root_doc is not None and "import os; os.system('echo pwned')" in root_doc and '"""' in root_doc
        assert not any(isinstance(n, ast.FunctionDef) and n.name not in ("__init__", "__post_init__") for n in ast.walk(tree))


def test_hostile_values_survive(applied: dict[str, ModuleType]) -> None:
    schema = json.loads((FIXTURES / "collisions" / "collisions.json").read_text(encoding="utf-8"))
    hostile = schema["$defs"]["Hostile"]
    pkg = golden("collisions")
    assert [m.value for m in pkg.HostileChoice] == hostile["properties"]["choice"]["enum"]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", m.name) for m in pkg.HostileChoice)
    doc = pkg.Hostile.__doc__
    assert doc is not None and doc.rstrip() == hostile["description"].replace("\x00", " ").replace("\u2028", " ")
    value = applied["collisions"].decode(b'{"choice": "c\'d"}', applied["collisions"].Hostile)
    assert value.text == hostile["properties"]["text"]["default"]
    assert value.pattern == hostile["properties"]["pattern"]["default"]
    fixed = pkg.decode(wire({"choice": "a\"b", "fixed": hostile["properties"]["fixed"]["const"]}), pkg.Hostile)
    assert fixed.fixed == '"); import os; ("'
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n) for n in pkg.types.__all__)
    assert isinstance(pkg.decode(b'{"inline": {"ok": true}}', pkg.Collisions).inline, pkg.CollisionsInline)
