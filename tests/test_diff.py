"""``stepflow-codegen diff``: one test per rule of docs/diff.md on tiny schemas, the CLI (exit codes,
formats, ``--against``, ``check --breaking-against``, ``generate``'s summary), and the real StepFlow
history (0.8.0 -> 0.9.0 -> 0.11.1) against the committed, hand-checked reports."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stepflow_codegen.cli import main
from stepflow_codegen.diff import BREAKING, COMPATIBLE, FORMAT, Change, Report
from stepflow_codegen.diffrun import diff_paths

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT / "tests" / "fixtures" / "upstream"
EXPECTED = ROOT / "tests" / "fixtures" / "diff"
S2020 = "https://json-schema.org/draft/2020-12/schema"


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1), encoding="utf-8")
    return path


def schema(defs: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": S2020, "$defs": defs}


def table(methods: list[tuple[str, str, str, str | None]], errors: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """A method table over p.json: (name, direction, params def, result def or None for a notification)."""
    requests, notifications = [], []
    for name, direction, params, result in methods:
        entry: dict[str, Any] = {"method": name, "messageDirection": direction, "params": {"$ref": f"p.json#/$defs/{params}"}}
        if result is None:
            notifications.append(entry)
        else:
            entry["result"] = {"$ref": f"p.json#/$defs/{result}"}
            if errors and name in errors:
                entry["errors"] = errors[name]
            requests.append(entry)
    out: dict[str, Any] = {
        "$schema": "urn:stepflow-codegen:method-table:v1",
        "name": "t",
        "roles": {"client": "runtime", "server": "component server"},
        "requests": requests,
        "notifications": notifications,
    }
    if errors:
        out["errorCodes"] = {"$ref": "p.json#/$defs/Codes"}
    return out


CODES = {"type": "integer", "enum": [-32600, -32601, -32001, -32003]}


def compare(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], methods: Any = None, new_methods: Any = None,
            components: Any = None, new_components: Any = None) -> Report:
    """Write both versions (p.json [+ m.json] [+ c.json]) and diff them."""
    sides = {"old": (old, methods, components), "new": (new, new_methods if new_methods is not None else methods,
                                                          new_components if new_components is not None else components)}
    for side, (defs, m, c) in sides.items():
        d = tmp_path / side
        write(d / "p.json", schema(defs))
        if m is not None:
            write(d / "m.json", m)
        if c is not None:
            write(d / "c.json", c)
    return diff_paths([tmp_path / "old"], [tmp_path / "new"], cwd=tmp_path)


def only(report: Report, kind: str) -> Change:
    hits = [c for c in report.changes if c.kind == kind]
    assert len(hits) == 1, report.render_text()
    return hits[0]


def obj(props: dict[str, Any], required: list[str] = (), closed: bool = False) -> dict[str, Any]:  # type: ignore[assignment]
    out: dict[str, Any] = {"type": "object", "properties": props, "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out


# A protocol where Params travels runtime -> component server and Result back.
EXEC = table([("run", "clientToServer", "Params", "Result")])


def exec_defs(params: dict[str, Any], result: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    return {"Params": params, "Result": result or obj({"ok": {"type": "boolean"}}), **more}


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def test_optional_field_added_to_open_object_is_compatible(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}})), exec_defs(obj({"a": {"type": "string"}, "b": {"type": "integer"}})), EXEC)
    c = only(r, "field-added")
    assert c.severity == COMPATIBLE and c.pointer == "/$defs/Params/properties/b" and c.file == "new/p.json"
    assert not r.breaking


def test_optional_field_added_to_closed_object_breaks_old_readers(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}}, closed=True)),
                exec_defs(obj({"a": {"type": "string"}, "b": {"type": "integer"}}, closed=True)), EXEC)
    c = only(r, "field-added")
    assert (c.severity, c.breaks, c.who) == (BREAKING, ("readers",), ("component server",))
    assert "closed object" in c.message and c.via == ("run params",)


def test_optional_field_added_to_object_with_typed_extra_values(tmp_path: Path) -> None:
    old = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}}
    new = {"type": "object", "properties": {"a": {"type": "string"}, "n": {"type": "integer"}}, "additionalProperties": {"type": "string"}}
    c = only(compare(tmp_path, exec_defs(old), exec_defs(new), EXEC), "field-added")
    assert c.breaks == ("readers",)
    ok = {"type": "object", "properties": {"a": {"type": "string"}, "n": {"type": "string", "maxLength": 3}}, "additionalProperties": {"type": "string"}}
    assert only(compare(tmp_path / "2", exec_defs(old), exec_defs(ok), EXEC), "field-added").severity == COMPATIBLE


def test_required_field_added_breaks_writers(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}})),
                exec_defs(obj({"a": {"type": "string"}, "b": {"type": "integer"}}, ["b"])), EXEC)
    c = only(r, "field-added")
    assert (c.breaks, c.who) == (("writers",), ("runtime",))
    # closed as well: old readers reject it too
    r = compare(tmp_path / "2", exec_defs(obj({"a": {"type": "string"}}, closed=True)),
                exec_defs(obj({"a": {"type": "string"}, "b": {"type": "integer"}}, ["b"], closed=True)), EXEC)
    c = only(r, "field-added")
    assert (c.breaks, c.writers, c.readers) == (("writers", "readers"), ("runtime",), ("component server",))
    assert c.render().startswith("BREAKING for writers (runtime) and readers (component server): new/p.json#")
    assert c.to_json()["who"] == {"writers": ["runtime"], "readers": ["component server"]}


def test_required_field_removed_breaks_readers(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}, "b": {"type": "string"}}, ["a", "b"])),
                exec_defs(obj({"a": {"type": "string"}}, ["a"])), EXEC)
    c = only(r, "field-removed")
    assert (c.breaks, c.who) == (("readers",), ("component server",))
    assert c.pointer == "/$defs/Params/properties/b"


def test_optional_field_removed_from_closed_object_breaks_writers(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}, "b": {"type": "string"}}, closed=True)),
                exec_defs(obj({"a": {"type": "string"}}, closed=True)), EXEC)
    c = only(r, "field-removed")
    assert (c.breaks, c.who) == (("writers",), ("runtime",))


def test_optional_field_removed_from_open_object_is_compatible(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}, "b": {"type": "string"}})), exec_defs(obj({"a": {"type": "string"}})), EXEC)
    assert only(r, "field-removed").severity == COMPATIBLE


def test_required_and_optional_swaps(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": {"type": "string"}}, ["a"])), exec_defs(obj({"a": {"type": "string"}})), EXEC)
    assert only(r, "field-now-optional").breaks == ("readers",)
    r = compare(tmp_path / "2", exec_defs(obj({"a": {"type": "string"}})), exec_defs(obj({"a": {"type": "string"}}, ["a"])), EXEC)
    assert only(r, "field-now-required").breaks == ("writers",)


def test_type_narrowed_breaks_writers_widened_breaks_readers(tmp_path: Path) -> None:
    s, e = {"type": "string"}, {"type": "string", "enum": ["x", "y"]}
    c = only(compare(tmp_path, exec_defs(obj({"a": s})), exec_defs(obj({"a": e})), EXEC), "field-type-changed")
    assert (c.breaks, c.who) == (("writers",), ("runtime",)) and "narrowed" in c.message
    c = only(compare(tmp_path / "2", exec_defs(obj({"a": e})), exec_defs(obj({"a": s})), EXEC), "field-type-changed")
    assert (c.breaks, c.who) == (("readers",), ("component server",)) and "widened" in c.message
    c = only(compare(tmp_path / "3", exec_defs(obj({"a": s})), exec_defs(obj({"a": {"type": "integer"}})), EXEC), "field-type-changed")
    assert c.breaks == ("writers", "readers") and "changed" in c.message
    # integer -> number widens; nullable added widens
    c = only(compare(tmp_path / "4", exec_defs(obj({"a": {"type": "integer"}})), exec_defs(obj({"a": {"type": "number"}})), EXEC), "field-type-changed")
    assert c.breaks == ("readers",)
    c = only(compare(tmp_path / "5", exec_defs(obj({"a": s})), exec_defs(obj({"a": {"type": ["string", "null"]}})), EXEC), "field-type-changed")
    assert c.breaks == ("readers",)


@pytest.mark.parametrize(
    ("old", "new", "breaks"),
    [
        ({"type": "integer", "maximum": 10}, {"type": "integer", "maximum": 5}, ("writers",)),
        ({"type": "integer", "maximum": 5}, {"type": "integer", "maximum": 10}, ("readers",)),
        ({"type": "integer", "minimum": 0}, {"type": "integer", "exclusiveMinimum": 0}, ("writers",)),
        ({"type": "integer", "exclusiveMinimum": 0}, {"type": "integer", "minimum": 1}, None),  # the same integers
        ({"type": "number", "exclusiveMinimum": 0}, {"type": "number", "minimum": 1}, ("writers",)),  # not the same numbers
        ({"type": "integer", "maximum": 2.5}, {"type": "integer", "exclusiveMaximum": 3}, None),
        ({"type": "number", "multipleOf": 0.5}, {"type": "number", "multipleOf": 1.5}, ("writers",)),
        ({"type": "number", "multipleOf": 1.5}, {"type": "number", "multipleOf": 0.5}, ("readers",)),
        ({"type": "string"}, {"type": "string", "maxLength": 3}, ("writers",)),
        ({"type": "string", "pattern": "^a"}, {"type": "string"}, ("readers",)),
        ({"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}, ("writers", "readers")),
        ({"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"type": "string"}, "minItems": 1}, ("writers",)),
        ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, {"type": "array", "items": {"type": "string"}}, ("readers",)),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 2}, ("writers",)),
        ({"type": "string", "format": "uuid"}, {"type": "string", "format": "date-time"}, ()),
    ],
)
def test_constraints(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], breaks: tuple[str, ...] | None) -> None:
    r = compare(tmp_path, exec_defs(obj({"a": old})), exec_defs(obj({"a": new})), EXEC)
    if breaks is None:  # the same values, written differently
        assert r.changes == [], r.render_text()
        return
    if breaks == ():
        c = only(r, "field-format-changed")
        assert c.severity == COMPATIBLE
        return
    assert only(r, "field-type-changed").breaks == breaks


def test_field_default_rules(tmp_path: Path) -> None:
    c = only(compare(tmp_path, exec_defs(obj({"a": {"type": "boolean", "default": False}})),
                     exec_defs(obj({"a": {"type": "boolean", "default": True}})), EXEC), "field-default-changed")
    assert c.breaks == ("writers", "readers")
    c = only(compare(tmp_path / "2", exec_defs(obj({"a": {"type": "boolean"}})),
                     exec_defs(obj({"a": {"type": "boolean", "default": True}})), EXEC), "field-default-changed")
    assert c.severity == COMPATIBLE and "documents" in c.message


def test_unchanged_schemas_report_nothing(tmp_path: Path) -> None:
    defs = exec_defs(obj({"a": {"type": "string"}, "n": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}),
                     N={"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}})
    assert compare(tmp_path, defs, copy.deepcopy(defs), EXEC).changes == []


# ---------------------------------------------------------------------------------------------
# Objects, enums, unions
# ---------------------------------------------------------------------------------------------


def test_object_opened_and_closed(tmp_path: Path) -> None:
    a = {"a": {"type": "string"}}
    c = only(compare(tmp_path, exec_defs(obj(a, closed=True)), exec_defs(obj(a)), EXEC), "object-opened")
    assert c.breaks == ("readers",)
    c = only(compare(tmp_path / "2", exec_defs(obj(a)), exec_defs(obj(a, closed=True)), EXEC), "object-closed")
    assert c.breaks == ("writers",)


def test_enum_values(tmp_path: Path) -> None:
    old = exec_defs(obj({"k": {"$ref": "#/$defs/K"}}), K={"type": "string", "enum": ["a", "b"]})
    new = exec_defs(obj({"k": {"$ref": "#/$defs/K"}}), K={"type": "string", "enum": ["b", "c"]})
    r = compare(tmp_path, old, new, EXEC)
    added, removed = only(r, "enum-value-added"), only(r, "enum-value-removed")
    assert (added.breaks, added.who, added.pointer) == (("readers",), ("component server",), "/$defs/K/enum")
    assert (removed.breaks, removed.who) == (("writers",), ("runtime",))
    assert '"c"' in added.message and '"a"' in removed.message


def test_enum_in_a_result_is_written_by_the_server(tmp_path: Path) -> None:
    old = exec_defs(obj({}), obj({"k": {"$ref": "#/$defs/K"}}), K={"type": "string", "enum": ["a", "c"]})
    new = exec_defs(obj({}), obj({"k": {"$ref": "#/$defs/K"}}), K={"type": "string", "enum": ["a", "b", "c"]})
    c = only(compare(tmp_path, old, new, EXEC), "enum-value-added")
    assert (c.breaks, c.who, c.via) == (("readers",), ("runtime",), ("run result",))


def test_union_variants(tmp_path: Path) -> None:
    a, b, z = obj({"t": {"const": "a"}}, ["t"]), obj({"t": {"const": "b"}}, ["t"]), obj({"t": {"const": "z"}}, ["t"])
    old = exec_defs(obj({"u": {"$ref": "#/$defs/U"}}), U={"oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/Z"}]}, A=a, B=b, Z=z)
    new = exec_defs(obj({"u": {"$ref": "#/$defs/U"}}), U={"oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}, {"$ref": "#/$defs/Z"}]}, A=a, B=b, Z=z)
    c = only(compare(tmp_path, old, new, EXEC), "variant-added")
    assert c.breaks == ("readers",) and "B" in c.message
    c = only(compare(tmp_path / "2", new, old, EXEC), "variant-removed")
    assert c.breaks == ("writers",)


def test_union_kind_change_is_compatible(tmp_path: Path) -> None:
    old = exec_defs(obj({"u": {"$ref": "#/$defs/U"}}), U={"anyOf": [{"type": "string"}, {"type": "integer"}]})
    new = exec_defs(obj({"u": {"$ref": "#/$defs/U"}}), U={"oneOf": [{"type": "string"}, {"type": "integer"}]})
    c = only(compare(tmp_path, old, new, EXEC), "union-kind-changed")
    assert c.severity == COMPATIBLE and "anyOf -> oneOf" in c.message


def test_kind_change_map_to_object(tmp_path: Path) -> None:
    old = exec_defs(obj({"o": {"$ref": "#/$defs/O"}}), O={"type": "object", "additionalProperties": {"type": "string"}})
    new = exec_defs(obj({"o": {"$ref": "#/$defs/O"}}), O=obj({"steps": {"type": "object", "additionalProperties": {"type": "string"}}}, ["steps"]))
    c = only(compare(tmp_path, old, new, EXEC), "type-changed")
    assert c.breaks == ("writers", "readers") and "map of string -> object O" in c.message


def test_recursive_types_terminate(tmp_path: Path) -> None:
    old = exec_defs(obj({"t": {"$ref": "#/$defs/T"}}), T=obj({"kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}), T2=obj({"kids": {"type": "array", "items": {"$ref": "#/$defs/T2"}}}))
    new = exec_defs(obj({"t": {"$ref": "#/$defs/T2"}}), T=obj({"kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}), T2=obj({"kids": {"type": "array", "items": {"$ref": "#/$defs/T2"}}, "x": {"type": "string"}}))
    r = compare(tmp_path, old, new, EXEC)
    # T -> T2 is a retarget to a structurally equal-or-wider type: T2 allows x (a string) where T allowed anything
    assert any(c.kind == "field-added" and "T2" in c.message for c in r.changes)


# ---------------------------------------------------------------------------------------------
# Direction: methods, propagation, components
# ---------------------------------------------------------------------------------------------


def test_direction_propagates_through_references(tmp_path: Path) -> None:
    inner_old = obj({"v": {"type": "string"}}, ["v"])
    inner_new = obj({"v": {"type": "string"}, "w": {"type": "string"}}, ["v", "w"])
    methods = table([("up", "serverToClient", "Params", "Result")])
    old = exec_defs(obj({"x": {"type": "array", "items": {"$ref": "#/$defs/Inner"}}}), Inner=inner_old)
    new = exec_defs(obj({"x": {"type": "array", "items": {"$ref": "#/$defs/Inner"}}}), Inner=inner_new)
    c = only(compare(tmp_path, old, new, methods), "field-added")
    # serverToClient: the component server writes the params
    assert (c.breaks, c.who, c.via, c.pointer) == (("writers",), ("component server",), ("up params",), "/$defs/Inner/properties/w")


def test_both_directions_break_both_roles(tmp_path: Path) -> None:
    methods = table([("ping", "both", "Params", "Result")])
    z = {"z": {"type": "string"}}
    c = only(compare(tmp_path, exec_defs(obj(z)), exec_defs(obj(z | {"a": {"type": "string"}}, ["a"])), methods), "field-added")
    assert c.who == ("component server", "runtime")


def test_unused_types_are_compatible_when_a_method_table_is_given(tmp_path: Path) -> None:
    z = {"z": {"type": "string"}}
    r = compare(tmp_path, exec_defs(obj({}), Loose=obj(z)), exec_defs(obj({}), Loose=obj(z | {"a": {"type": "string"}}, ["a"])), EXEC)
    c = only(r, "field-added")
    assert c.severity == COMPATIBLE and "no method or component sends this type" in c.message


def test_without_a_method_table_every_type_is_read_and_written(tmp_path: Path) -> None:
    z = {"z": {"type": "string"}}
    r = compare(tmp_path, {"T": obj(z)}, {"T": obj(z | {"a": {"type": "string"}}, ["a"])})
    c = only(r, "field-added")
    assert (c.severity, c.breaks, c.who, c.via) == (BREAKING, ("writers",), (), ())


def test_method_added_and_removed(tmp_path: Path) -> None:
    two = table([("run", "clientToServer", "Params", "Result"), ("cb", "serverToClient", "Params", "Result")])
    r = compare(tmp_path, exec_defs(obj({})), exec_defs(obj({})), EXEC, two)
    c = only(r, "method-added")
    assert c.severity == COMPATIBLE and "-32601" in c.message and c.file == "new/m.json" and c.pointer == "/requests/1"
    r = compare(tmp_path / "2", exec_defs(obj({})), exec_defs(obj({})), two, EXEC)
    c = only(r, "method-removed")
    assert (c.breaks, c.who, c.file, c.pointer) == (("writers",), ("component server",), "old/m.json", "/requests/1")


def test_method_direction_and_kind_changes(tmp_path: Path) -> None:
    r = compare(tmp_path, exec_defs(obj({})), exec_defs(obj({})), EXEC, table([("run", "serverToClient", "Params", "Result")]))
    hits = [c for c in r.changes if c.kind == "method-direction-changed"]
    assert {(c.breaks, c.who) for c in hits} == {(("writers",), ("runtime",)), (("readers",), ("runtime",))}
    r = compare(tmp_path / "2", exec_defs(obj({})), exec_defs(obj({})), EXEC, table([("run", "clientToServer", "Params", None)]))
    c = only(r, "method-kind-changed")
    assert c.breaks == ("writers", "readers") and "request -> notification" in c.message


def test_method_params_and_result_retargeted(tmp_path: Path) -> None:
    defs = exec_defs(obj({"a": {"type": "string"}}), Other=obj({"a": {"type": "string"}}, ["a"], closed=True), Res2=obj({"ok": {"type": "boolean"}, "n": {"type": "integer"}}, ["n"]))
    r = compare(tmp_path, defs, defs, EXEC, table([("run", "clientToServer", "Other", "Res2")]))
    p, res = only(r, "params-type-changed"), only(r, "result-type-changed")
    assert (p.breaks, p.who, p.pointer) == (("writers",), ("runtime",), "/requests/0/params")
    assert (res.breaks, res.who) == (("writers",), ("component server",))


def test_error_codes(tmp_path: Path) -> None:
    defs = exec_defs(obj({}), Codes=CODES)
    old = table([("run", "clientToServer", "Params", "Result")], {"run": [-32600]})
    new = table([("run", "clientToServer", "Params", "Result")], {"run": [-32001]})
    r = compare(tmp_path, defs, defs, old, new)
    added, removed = only(r, "method-errors-added"), only(r, "method-errors-removed")
    assert (added.breaks, added.who) == (("readers",), ("runtime",)) and "-32001" in added.message
    assert removed.severity == COMPATIBLE
    r = compare(tmp_path / "2", defs, defs, table([("run", "clientToServer", "Params", "Result")]), new)
    assert only(r, "method-errors-declared").severity == COMPATIBLE


def components(*names: str, inp: str = "In", out: str = "Out") -> dict[str, Any]:
    return {
        "$schema": "urn:stepflow-codegen:components:v1",
        "components": [{"name": n, "input": {"$ref": f"p.json#/$defs/{inp}"}, "output": {"$ref": f"p.json#/$defs/{out}"}} for n in names],
    }


def test_component_input_and_output(tmp_path: Path) -> None:
    old = {"In": obj({"name": {"type": "string"}}, ["name"]), "Out": obj({"msg": {"type": "string"}}, ["msg"])}
    new = {"In": obj({"name": {"type": "string"}, "lang": {"type": "string"}}, ["name", "lang"]), "Out": obj({"other": {"type": "string"}})}
    r = compare(tmp_path, old, new, components=components("greet"))
    fa = [c for c in r.changes if c.kind == "field-added" and c.pointer.endswith("/lang")][0]
    fr = only(r, "field-removed")
    assert (fa.breaks, fa.who, fa.via, fa.components) == (("writers",), ("runtime",), ("component greet input",), ("greet",))
    assert (fr.breaks, fr.who, fr.via) == (("readers",), ("runtime",), ("component greet output",))


def test_component_added_removed_retargeted(tmp_path: Path) -> None:
    defs = {"In": obj({"a": {"type": "string"}}), "Out": obj({}), "In2": obj({"a": {"type": "string"}}, ["a"])}
    r = compare(tmp_path, defs, defs, components=components("a", "b"), new_components=components("b", "c"))
    assert only(r, "component-added").severity == COMPATIBLE
    c = only(r, "component-removed")
    assert (c.breaks, c.who, c.components) == (("writers",), ("runtime",), ("a",))
    r = compare(tmp_path / "2", defs, defs, components=components("a"), new_components=components("a", inp="In2"))
    c = only(r, "input-type-changed")
    assert (c.breaks, c.who, c.components) == (("writers",), ("runtime",), ("a",))


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def test_declarations_match_by_name_when_moved_and_files_by_version(tmp_path: Path) -> None:
    write(tmp_path / "o" / "thing-1.0.json", {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"T": obj({"a": {"type": "string"}})}})
    write(tmp_path / "n" / "thing-2.0.json", {"$schema": S2020, "$defs": {"T": obj({"a": {"type": "string"}, "b": {"type": "string"}}, ["b"])}})
    r = diff_paths([tmp_path / "o"], [tmp_path / "n"], cwd=tmp_path)
    c = only(r, "field-added")
    assert c.file == "n/thing-2.0.json" and c.pointer == "/$defs/T/properties/b"
    assert not [x for x in r.changes if x.kind in ("type-added", "type-removed")]


def test_reports_of_several_schema_sets_merge_once_per_change() -> None:
    from stepflow_codegen.diffrun import merge

    a = Change(COMPATIBLE, "field-added", (), (), (), "p.json", "/$defs/T/properties/x", "m", ("m params",))
    b = Change(BREAKING, "field-added", ("readers",), (), ("component c",), "p.json", "/$defs/T/properties/x", "m",
               ("component c input",), ("c",))
    other = Change(COMPATIBLE, "type-added", (), (), (), "q.json", "/$defs/U", "u")
    merged = merge([Report(("o1",), ("n1",), [a]), Report(("o1", "o2"), ("n2",), [b, other])])
    assert merged.old == ("o1", "o2") and merged.new == ("n1", "n2")
    assert [c.kind for c in merged.changes] == ["field-added", "type-added"]
    m = merged.changes[0]
    assert (m.severity, m.breaks, m.readers, m.writers, m.via, m.components) == (
        BREAKING, ("readers",), ("component c",), (), ("component c input", "m params"), ("c",))


def test_report_is_deterministic_and_json_is_stable(tmp_path: Path) -> None:
    old = exec_defs(obj({"a": {"type": "string"}, "z": {"type": "string"}}, ["a", "z"]), K={"enum": ["a", "b"]})
    new = exec_defs(obj({}), K={"enum": ["c"]})
    r1 = compare(tmp_path, old, new, EXEC)
    r2 = compare(tmp_path / "2", old, new, EXEC)
    assert [c.to_json() | {"file": ""} for c in r1.changes] == [c.to_json() | {"file": ""} for c in r2.changes]
    doc = r1.to_json()
    assert doc["format"] == FORMAT and set(doc) == {"format", "old", "new", "summary", "changes"}
    assert set(doc["changes"][0]) == {"severity", "kind", "breaks", "who", "file", "pointer", "message", "via", "components"}
    assert doc["summary"] == {"breaking": len(r1.breaking), "compatible": len(r1.changes) - len(r1.breaking)}


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def cli(*args: str, cwd: Path) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    write(tmp_path / "old" / "p.json", schema(exec_defs(obj({"a": {"type": "string"}}))))
    write(tmp_path / "new" / "p.json", schema(exec_defs(obj({"a": {"type": "string"}, "b": {"type": "string"}}, ["b"]))))
    write(tmp_path / "same" / "p.json", schema(exec_defs(obj({"a": {"type": "string"}}))))
    r = cli("diff", "old", "new", cwd=tmp_path)
    assert r.exit_code == 1
    assert r.stdout.splitlines()[0].startswith("BREAKING for writers: new/p.json#/$defs/Params/properties/b: ")
    assert r.stdout.rstrip().endswith("1 breaking, 0 compatible change(s)")
    r = cli("diff", "old", "same", "--format", "json", cwd=tmp_path)
    assert r.exit_code == 0 and json.loads(r.stdout)["changes"] == []
    r = cli("diff", "--old", "old/p.json", "--new", "new/p.json", "--format", "json", cwd=tmp_path)
    assert r.exit_code == 1 and json.loads(r.stdout)["summary"] == {"breaking": 1, "compatible": 0}


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ({"new/p.json": "{"}, ["old", "new"], ["new/p.json", "invalid JSON", "hint:"]),
        ({"new/p.json": {"$defs": {"A": {"$ref": "#/$defs/Missing"}}}}, ["old", "new"], ["new/p.json#/$defs/A/$ref", "does not resolve"]),
        ({}, ["old", "nowhere"], ["nowhere", "file not found"]),
        ({}, ["old"], ["diff takes OLD NEW"]),
        ({}, ["--old", "old"], ["--new"]),
        ({}, ["--against", "HEAD", "old"], ["not inside a git repository"]),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path, setup: dict[str, Any], args: list[str], expected: list[str]) -> None:
    write(tmp_path / "old" / "p.json", schema({"A": obj({})}))
    for name, content in setup.items():
        write(tmp_path / name, content)
    proc = subprocess.run([sys.executable, "-m", "stepflow_codegen", "diff", *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for e in expected:
        assert e in proc.stderr, proc.stderr


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout


PYPROJECT = """
[[tool.stepflow-codegen.targets]]
language = "python"
schemas = ["schemas/"]
out = "gen/pkg"
"""


def project(tmp_path: Path) -> Path:
    """A git repository with one target (schemas/ -> gen/pkg), generated and committed."""
    root = tmp_path / "proj"
    write(root / "pyproject.toml", PYPROJECT)
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "string"}}, ["name"]), "Out": obj({"msg": {"type": "string"}})}))
    write(root / "schemas" / "components.json", components("say_hello"))
    for name in ("protocol.json", "methods.json"):  # the Python target serves components over the StepFlow protocol
        write(root / "schemas" / "stepflow" / name, (ROOT / "schemas" / name).read_text(encoding="utf-8"))
    git(root, "init", "-q")
    r = cli("generate", cwd=root)
    assert r.exit_code == 0, r.output
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1")
    return root


def test_against_git_ref_and_config(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert cli("diff", "--against", "HEAD", "schemas/", cwd=root).exit_code == 0
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "string"}, "lang": {"type": "string"}}, ["name", "lang"]), "Out": obj({"msg": {"type": "string"}})}))
    r = cli("diff", "--against", "HEAD", "schemas/", cwd=root)
    assert r.exit_code == 1, r.output
    assert "BREAKING for writers (runtime): schemas/p.json#/$defs/In/properties/lang" in r.stdout
    assert "[via component say_hello input]" in r.stdout
    # from the configuration's schema sets, in JSON
    r = cli("diff", "--against", "HEAD", "--format", "json", cwd=root)
    doc = json.loads(r.stdout)
    assert r.exit_code == 1 and doc["changes"][0]["components"] == ["say_hello"]
    assert "HEAD:schemas/p.json" in doc["old"] and "schemas/p.json" in doc["new"]
    # a removed schema file: the old side's file is named REF:path
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "string"}}, ["name"]), "Out": obj({"msg": {"type": "string"}})}))
    git(root, "rm", "-q", "--cached", "schemas/components.json")
    (root / "schemas" / "components.json").unlink()
    r = cli("diff", "--against", "HEAD", "schemas/", cwd=root)
    assert r.exit_code == 1 and "HEAD:schemas/components.json#/components/0: component 'say_hello' removed" in r.stdout
    r = cli("diff", "--against", "no-such-ref", "schemas/", cwd=root)
    assert r.exit_code == 2 and "no-such-ref" in r.stderr


def test_generate_summarises_changes_and_names_the_implementation(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "string"}, "lang": {"type": "string"}}, ["name", "lang"]), "Out": obj({"msg": {"type": "string"}}), "Extra": obj({})}))
    r = cli("generate", cwd=root)
    assert r.exit_code == 0, r.output
    assert "schemas since HEAD: 1 type(s) added, 0 removed, 1 changed, 1 field(s) added, 0 removed, 0 changed; 1 breaking" in r.stderr
    assert "BREAKING for writers (runtime): schemas/p.json#/$defs/In/properties/lang" in r.stderr
    assert "affects the implementation of component 'say_hello': say_hello()" in r.stderr
    # nothing rewritten: nothing said
    r = cli("generate", cwd=root)
    assert "schemas since HEAD" not in r.stderr


def test_check_breaking_against(tmp_path: Path) -> None:
    root = project(tmp_path)
    r = cli("check", "--breaking-against", "HEAD", cwd=root)
    assert r.exit_code == 0 and "no breaking change since HEAD" in r.stderr
    # a compatible change, regenerated: check passes
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "string"}, "lang": {"type": "string"}}, ["name"]), "Out": obj({"msg": {"type": "string"}})}))
    assert cli("generate", cwd=root).exit_code == 0
    assert cli("check", "--breaking-against", "HEAD", cwd=root).exit_code == 0
    # a breaking one, regenerated (so not stale): check fails on compatibility alone
    write(root / "schemas" / "p.json", schema({"In": obj({"name": {"type": "integer"}}, ["name"]), "Out": obj({"msg": {"type": "string"}})}))
    r = cli("generate", cwd=root)
    assert r.exit_code == 0 and "field 'name' type changed: string -> integer" in r.stderr  # this run's schemas, not the last run's
    assert cli("check", cwd=root).exit_code == 0
    r = cli("check", "--breaking-against", "HEAD", cwd=root)
    assert r.exit_code == 1 and "field 'name' type changed: string -> integer" in r.stdout


# ---------------------------------------------------------------------------------------------
# The real history: StepFlow 0.8.0 -> 0.9.0 -> 0.11.1
# ---------------------------------------------------------------------------------------------

HISTORY = [("0.8.0", "0.9.0"), ("0.9.0", "0.11.1")]


def history_args(old: str, new: str) -> list[str]:
    up = "tests/fixtures/upstream"
    return [
        "--old", f"{up}/protocol-{old}.json", "--old", f"{up}/stepflow-{old}.methods.json",
        "--new", f"{up}/protocol-{new}.json", "--new", f"{up}/stepflow-{new}.methods.json",
    ]


@pytest.mark.parametrize(("old", "new"), HISTORY)
def test_stepflow_history_reports_match_the_checked_ones(old: str, new: str) -> None:
    for fmt, ext in (("text", "txt"), ("json", "json")):
        r = cli("diff", *history_args(old, new), "--format", fmt, cwd=ROOT)
        assert r.exit_code == 1, r.output
        if os.environ.get("UPDATE_DIFF_REPORTS"):
            (EXPECTED / f"{old}-{new}.{ext}").write_text(r.stdout, encoding="utf-8")
            continue
        assert r.stdout == (EXPECTED / f"{old}-{new}.{ext}").read_text(encoding="utf-8")


def test_stepflow_history_key_findings() -> None:
    """What the releases changed, as REFERENCE.md tells it, found by the engine (independently of the
    committed reports)."""
    up = UPSTREAM
    r = diff_paths([up / "protocol-0.9.0.json", up / "stepflow-0.9.0.methods.json"],
                   [up / "protocol-0.11.1.json", up / "stepflow-0.11.1.methods.json"], cwd=ROOT)
    got = {(c.kind, c.pointer.rsplit("/", 1)[-1] if "/properties/" in c.pointer else c.message.split(":")[0]): c for c in r.changes}
    # blobs/* left the protocol: an old component server's blobs/put is answered -32601
    removed = [c for c in r.changes if c.kind == "method-removed"]
    assert sorted(c.message.split("'")[1] for c in removed) == ["blobs/get", "blobs/put"]
    assert all(c.who == ("component server",) for c in removed)
    # initialize went camelCase: the new runtime omits runtime_protocol_version, old servers require it
    assert got[("field-removed", "runtime_protocol_version")].who == ("component server",)
    assert got[("field-added", "runtimeProtocolVersion")].who == ("runtime",)
    # runs/submit needs subflowKey: old component servers do not send it
    assert got[("field-added", "subflowKey")].who == ("component server",)
    r = diff_paths([up / "protocol-0.8.0.json", up / "stepflow-0.8.0.methods.json"],
                   [up / "protocol-0.9.0.json", up / "stepflow-0.9.0.methods.json"], cwd=ROOT)
    assert sorted(c.message.split("'")[1] for c in r.changes if c.kind == "method-removed") == [
        "flows/evaluate", "flows/get_batch", "flows/get_metadata", "flows/submit_batch"]
    wo = [c for c in r.changes if c.pointer == "/$defs/WorkflowOverrides"]
    assert len(wo) == 1 and wo[0].breaks == ("writers", "readers")


# -- assertions the shape does not express (read from the validation graph) ------------------------


def _schema_pair(tmp_path: Path, old: dict, new: dict) -> tuple[Path, Path]:
    a, b = tmp_path / "old" / "s.json", tmp_path / "new" / "s.json"
    a.parent.mkdir(parents=True)
    b.parent.mkdir(parents=True)
    a.write_text(json.dumps(old), encoding="utf-8")
    b.write_text(json.dumps(new), encoding="utf-8")
    return a, b


def _assertion_changes(tmp_path: Path, old: dict, new: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    from stepflow_codegen.diagnostics import Diagnostics
    from stepflow_codegen.diff import diff_programs
    from stepflow_codegen.frontend import build_program

    a, b = _schema_pair(tmp_path, old, new)
    report = diff_programs(build_program([a], Diagnostics(), cwd=a.parent), build_program([b], Diagnostics(), cwd=b.parent))
    return [(c.kind, c.pointer, c.breaks) for c in report.changes if c.kind.startswith("assertion")]


BASE = {"$defs": {"T": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}}}


def _with(**extra: object) -> dict:
    t = dict(BASE["$defs"]["T"], **extra)
    return {"$defs": {"T": t}}


def test_assertion_added_narrows(tmp_path: Path) -> None:
    assert _assertion_changes(tmp_path, BASE, _with(**{"not": {"required": ["a", "b"]}})) == [
        ("assertion-added", "/$defs/T/not", ("writers",))
    ]


def test_assertion_removed_widens(tmp_path: Path) -> None:
    assert _assertion_changes(tmp_path, _with(dependentRequired={"a": ["b"]}), BASE) == [
        ("assertion-removed", "/$defs/T/dependentRequired", ("readers",))
    ]


def test_assertion_changed_breaks_both(tmp_path: Path) -> None:
    old = _with(**{"if": {"required": ["a"]}, "then": {"required": ["b"]}})
    new = _with(**{"if": {"required": ["b"]}, "then": {"required": ["a"]}})
    changes = _assertion_changes(tmp_path, old, new)
    assert ("assertion-changed", "/$defs/T/if", ("writers", "readers")) in changes
    assert ("assertion-changed", "/$defs/T/then", ("writers", "readers")) in changes


def test_same_assertions_report_nothing(tmp_path: Path) -> None:
    same = _with(propertyNames={"pattern": "^[a-z]+$"}, **{"not": {"required": ["a", "b"]}})
    assert _assertion_changes(tmp_path, same, same) == []


def test_values_compared_as_json_schema_compares_them(tmp_path: Path) -> None:
    """A default or enum value is compared by JSON equality (``1`` equals ``1.0``, not ``true``), and a
    pattern is read as ECMA-262 (``\\p{L}`` is a Unicode property, not the letter ``p``), as the
    evaluator and the generated code read them."""
    n1, n2 = {"type": "number", "default": 1}, {"type": "number", "default": 1.0}
    report = compare(tmp_path, exec_defs(obj({"a": n1})), exec_defs(obj({"a": n2})), EXEC)
    assert not report.changes, report.render_text()
    b = {"type": ["number", "boolean"], "default": True}
    c = only(compare(tmp_path / "2", exec_defs(obj({"a": {**b, "default": 1}})), exec_defs(obj({"a": b})), EXEC),
             "field-default-changed")
    assert "1 -> true" in c.message
    # an enum of letters replaced by a pattern of letters widens (old writers' values still pass)
    e, p = {"enum": ["ab"]}, {"type": "string", "pattern": "^\\p{L}+$"}
    c = only(compare(tmp_path / "3", exec_defs(obj({"a": e})), exec_defs(obj({"a": p})), EXEC), "field-type-changed")
    assert c.breaks == ("readers",) and "widened" in c.message, c.message
    # ECMA-262's \d is ASCII: an Arabic-Indic digit never matched, so this enum value is not accepted
    e2, p2 = {"enum": ["\u0661"]}, {"type": "string", "pattern": "^\\d+$"}
    c = only(compare(tmp_path / "4", exec_defs(obj({"a": e2})), exec_defs(obj({"a": p2})), EXEC), "field-type-changed")
    assert "changed" in c.message and "writers" in c.breaks, c.message
