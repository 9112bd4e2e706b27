"""Reference resolution as the specifications define it, file confinement, and malformed input.

Each case writes small schema files, runs the front end (or the CLI, for exit codes and messages)
and checks the result with the reference evaluator of the validation IR
(``stepflow_codegen.ir.evaluate``) and, where it applies, with ``jsonschema`` as the oracle.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from stepflow_codegen.diagnostics import Diagnostics, SchemaError
from stepflow_codegen.frontend import build_program
from stepflow_codegen.ir.evaluate import Evaluator

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def root_checker(files: list[Path], root: Path, **kw: Any) -> Evaluator:
    program = build_program(files, Diagnostics(), cwd=root.parent, **kw)
    assert program.validation is not None
    ev = Evaluator(program.validation)
    return ev


def accepts(files: list[Path], root_file: Path, value: Any, **kw: Any) -> bool:
    program = build_program(files, Diagnostics(), cwd=root_file.parent, **kw)
    assert program.validation is not None
    (root,) = [r for r in program.roots if Path(r.file).name == root_file.name]
    node = program.validation.node_for(root.type)
    assert node is not None
    return Evaluator(program.validation).is_valid(node, value)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepflow_codegen", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


# -- resolution -----------------------------------------------------------------------------------


def test_draft04_id_sets_the_base_uri(tmp_path: Path) -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": "http://example.com/root.json",
        "definitions": {"A": {"id": "#foo", "type": "integer"}, "B": {"id": "other.json", "type": "string"}},
        "properties": {"a": {"$ref": "#foo"}, "b": {"$ref": "other.json"}},
    }
    f = write(tmp_path / "s.json", schema)
    for value in ({"a": 1, "b": "x"}, {"a": "x"}, {"b": 1}):
        assert accepts([f], f, value) == jsonschema.Draft4Validator(schema).is_valid(value), value


def test_uri_normalisation_host_with_and_without_slash(tmp_path: Path) -> None:
    schema = {
        "$id": "https://Example.COM",
        "$defs": {"n": {"type": "integer"}},
        "properties": {"n": {"$ref": "https://example.com/#/$defs/n"}},
    }
    f = write(tmp_path / "s.json", schema)
    assert accepts([f], f, {"n": 1})
    assert not accepts([f], f, {"n": "1"})


def test_anchor_and_embedded_resources(tmp_path: Path) -> None:
    schema = {
        "$id": "https://example.com/root",
        "properties": {"a": {"$ref": "item#x"}, "b": {"$ref": "#top"}},
        "$defs": {
            "item": {"$id": "item", "$defs": {"x": {"$anchor": "x", "type": "string"}}},
            "t": {"$anchor": "top", "minimum": 3},
        },
    }
    f = write(tmp_path / "s.json", schema)
    oracle = jsonschema.Draft202012Validator(schema)
    for value in ({"a": "s", "b": 4}, {"a": 1}, {"b": 2}):
        assert accepts([f], f, value) == oracle.is_valid(value), value


def test_identifier_inside_enum_or_unknown_keyword_is_not_one(tmp_path: Path) -> None:
    schema = {
        "$defs": {
            "fake": {"enum": [{"$id": "#/x", "type": "null"}]},
            "unknown": {"x-stuff": {"$id": "https://example.com/fake", "type": "null"}},
        },
        "anyOf": [{"$ref": "#/$defs/fake"}, {"$ref": "#/$defs/unknown"}],
    }
    f = write(tmp_path / "s.json", schema)
    oracle = jsonschema.Draft202012Validator(schema)
    for value in ({"$id": "#/x", "type": "null"}, None, 1):
        assert accepts([f], f, value) == oracle.is_valid(value), value


def test_sibling_file_found_although_its_id_differs(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json", {"$id": "https://example.com/schemas/main.json", "properties": {"c": {"$ref": "common.json"}}})
    write(tmp_path / "common.json", {"$id": "https://other.org/common", "type": "integer"})
    diags = Diagnostics()
    program = build_program([tmp_path], diags, cwd=tmp_path)
    assert any(d.code == "ref-by-file" for d in diags.items), [d.render() for d in diags.items]
    assert program.validation is not None
    assert accepts([tmp_path], main, {"c": 1})
    assert not accepts([tmp_path], main, {"c": "1"})


def test_uri_map_serves_remote_references_from_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "mirror" / "int.json", {"type": "integer"})
    f = write(tmp_path / "s" / "s.json", {"$ref": "http://localhost:1234/int.json"})
    kw = {"uri_map": {"http://localhost:1234/": tmp_path / "mirror"}}
    assert accepts([f], f, 3, **kw)
    assert not accepts([f], f, "3", **kw)
    with pytest.raises(SchemaError, match="remote"):
        build_program([f], Diagnostics(), cwd=tmp_path)


def test_remote_file_without_schema_inherits_the_referrers_draft(tmp_path: Path) -> None:
    write(tmp_path / "mirror" / "legacy.json", {"definitions": {"i": {"$id": "#foo", "type": "integer"}}, "$ref": "#foo"})
    f = write(tmp_path / "s" / "s.json", {"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "http://x.test/legacy.json"})
    kw = {"uri_map": {"http://x.test/": tmp_path / "mirror"}}
    assert accepts([f], f, 1, **kw)
    assert not accepts([f], f, "a", **kw)


def test_dynamic_ref_follows_the_dynamic_scope(tmp_path: Path) -> None:
    schema = {
        "$id": "https://example.com/tree",
        "$dynamicAnchor": "node",
        "type": "object",
        "properties": {"data": True, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}},
        "$defs": {
            "strict": {
                "$id": "https://example.com/strict-tree",
                "$dynamicAnchor": "node",
                "$ref": "tree",
                "unevaluatedProperties": False,
            }
        },
    }
    strict = {"$ref": "https://example.com/strict-tree"}
    write(tmp_path / "tree.json", schema)
    f = write(tmp_path / "use.json", strict)
    registry_schema = dict(schema)
    from referencing import Registry, Resource

    from referencing.jsonschema import DRAFT202012

    reg = Registry().with_resource("https://example.com/tree", Resource.from_contents(registry_schema, DRAFT202012))
    oracle = jsonschema.Draft202012Validator(strict, registry=reg)
    for value in ({"children": [{"daat": 1}]}, {"children": [{"data": 1}]}, {"x": 1}):
        assert accepts([tmp_path], f, value) == oracle.is_valid(value), value


# -- confinement ----------------------------------------------------------------------------------


def test_ref_outside_the_given_folders_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "outside" / "creds.json", {"secret": "hunter2"})
    write(tmp_path / "schemas" / "a.json", {"$ref": "../outside/creds.json"})
    r = cli("python", "schemas", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "schemas/a.json#/$ref" in r.stderr and "outside the schema folders" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["file:///dev/zero", "/dev/zero", "fifo.json"])
def test_ref_to_a_device_or_fifo_is_refused_quickly(tmp_path: Path, target: str) -> None:
    write(tmp_path / "s" / "a.json", {"$ref": target})
    os.mkfifo(tmp_path / "s" / "fifo.json")
    r = cli("python", "s/a.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert "a.json" in r.stderr


def test_file_larger_than_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stepflow_codegen.frontend import loader

    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    f = write(tmp_path / "big.json", {"description": "x" * 200})
    with pytest.raises(SchemaError, match="larger than"):
        build_program([f], Diagnostics(), cwd=tmp_path)


# -- malformed input: exit 2, file and pointer, no traceback, nothing written ----------------------

MALFORMED = [
    ('{"type": []}', "#/type", "empty"),
    ('{"type": ["a", 5]}', "#/type/0", "unknown type"),
    ('{"$ref": "#/$defs/\\ud800"}', "#/$ref", "surrogate"),
    ('{"const": "\\ud800"}', "#/const", "surrogate"),
    ('{"pattern": "\\ud800"}', "#/pattern", "surrogate"),
    ('{"properties": {"\\ud800": {}}}', "#/properties", "surrogate"),
    ('{"enum": ["a", "\\ud800"]}', "#/enum/1", "surrogate"),
    ('{"maximum": 1e400}', "#/maximum", "double"),
    ('{"type": "number", "default": 1e400}', "#/default", "double"),
    ('{"multipleOf": 0}', "#/multipleOf", "greater than 0"),
    ('{"minLength": -1}', "#/minLength", "non-negative"),
    ('{"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"}', "#/$defs/", "cycle"),
    ('{"allOf": [{"$ref": "#"}]}', "#", "cycle"),
]


@pytest.mark.parametrize("text,pointer,words", MALFORMED)
def test_malformed_keyword_exits_2(tmp_path: Path, text: str, pointer: str, words: str) -> None:
    write(tmp_path / "bad.json", text)
    r = cli("python", "bad.json", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert f"bad.json{pointer}" in r.stderr, r.stderr
    assert words in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_allof_diamond_is_not_a_cycle(tmp_path: Path) -> None:
    schema = {
        "$defs": {
            "Base": {"type": "object", "properties": {"a": {"type": "string"}}},
            "B": {"allOf": [{"$ref": "#/$defs/Base"}], "properties": {"b": {"type": "integer"}}},
            "C": {"allOf": [{"$ref": "#/$defs/Base"}], "properties": {"c": {"type": "integer"}}},
        },
        "title": "Diamond",
        "allOf": [{"$ref": "#/$defs/B"}, {"$ref": "#/$defs/C"}],
    }
    write(tmp_path / "d.json", schema)
    r = cli("python", "d.json", "-o", "pkg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    code = "import pkg; v = pkg.decode(b'{\"a\": \"x\", \"b\": 1, \"c\": 2}', pkg.Diamond); print(v.a, v.b, v.c)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["x", "1", "2"]
    assert accepts([tmp_path / "d.json"], tmp_path / "d.json", {"a": "x", "b": 1})
    assert not accepts([tmp_path / "d.json"], tmp_path / "d.json", {"a": 1})


def test_alias_cycle_through_anyof_means_its_least_fixed_point(tmp_path: Path) -> None:
    """``B = C | null``, ``C = B | integer``: B accepts null and integers (the depth limit ends the recursion)."""
    schema = {
        "$defs": {"B": {"anyOf": [{"$ref": "#/$defs/C"}, {"type": "null"}]}, "C": {"anyOf": [{"$ref": "#/$defs/B"}, {"type": "integer"}]}},
        "$ref": "#/$defs/B",
    }
    f = write(tmp_path / "k.json", schema)
    assert accepts([f], f, None)
    assert accepts([f], f, 5)
    assert not accepts([f], f, "x")


def test_cli_ref_root_and_map_uri(tmp_path: Path) -> None:
    write(tmp_path / "shared" / "money.json", {"type": "integer"})
    write(tmp_path / "mirror" / "ids.json", {"type": "string", "minLength": 1})
    write(tmp_path / "s" / "a.json", {"properties": {"m": {"$ref": "../shared/money.json"}, "i": {"$ref": "https://ids.test/ids.json"}}})
    refused = cli("python", "s", "-o", "out", cwd=tmp_path)
    assert refused.returncode == 2 and "outside the schema folders" in refused.stderr
    ok = cli("python", "s", "-o", "out", "--ref-root", "shared", "--map-uri", "https://ids.test/=mirror", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    header = (tmp_path / "out" / "types.py").read_text(encoding="utf-8")[:400]
    assert "--ref-root shared --map-uri https://ids.test/=mirror" in header
    bad = cli("python", "s", "-o", "out2", "--map-uri", "nonsense", cwd=tmp_path)
    assert bad.returncode == 2 and "PREFIX=DIR" in bad.stderr


@pytest.mark.parametrize("language", ["python", "typescript", "rust", "vectors"])
def test_hash_and_percent_in_a_file_name(tmp_path: Path, language: str) -> None:
    """Type ids are ``key#pointer``: a '#' in a file name must not split them in the wrong place."""
    write(tmp_path / "s" / "a#1%.json", {"title": "Hashed", "type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "$defs": {"B": {"type": "integer"}}})
    r = cli(language, "s", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


# -- dialects: a meta-schema of one's own -----------------------------------------------------------


def _meta(uri: str, draft: str, vocabularies: list[str]) -> dict[str, Any]:
    return {
        "$schema": f"https://json-schema.org/draft/{draft}/schema",
        "$id": uri,
        "$vocabulary": {f"https://json-schema.org/draft/{draft}/vocab/{v}": True for v in vocabularies},
    }


@pytest.mark.parametrize("draft", ["2019-09", "2020-12"])
def test_a_metaschema_without_the_validation_vocabulary_makes_validation_keywords_annotations(
    tmp_path: Path, draft: str
) -> None:
    """The suite's vocabulary.json: under a meta-schema whose ``$vocabulary`` leaves out validation,
    ``minimum``, ``type`` and ``required`` are not asserted, the applicators still are, and the
    document is read in the meta-schema's draft.  The meta-schema is found as an input (given after
    the document: a second pass), under ``--map-uri``, or not at all (then every keyword asserts)."""
    uri = "https://example.com/meta/no-validation"
    schema = {
        "$schema": uri,
        "type": "object",
        "required": ["n"],
        "properties": {"bad": False, "n": {"type": "integer", "minimum": 10}, "deep": {"items": {"maxLength": 1}}},
        "$defs": {"D": {"minimum": 5}},
    }
    doc = write(tmp_path / "a.json", schema)
    meta = write(tmp_path / "z_meta.json", _meta(uri, draft, ["core", "applicator"]))
    valid = [{"n": 1}, {}, {"n": "x"}, {"deep": ["long"]}, []]
    for value in valid:
        assert accepts([doc, meta], doc, value), value
    assert not accepts([doc, meta], doc, {"bad": 1})
    diags = Diagnostics()
    program = build_program([doc, meta], diags, cwd=tmp_path)
    assert any(d.code == "no-validation-vocabulary" and d.file == "a.json" for d in diags.items)
    (d_decl,) = [d for d in program.decls if d.source is not None and d.source.pointer == "/$defs/D"]
    node = program.validation.node_for(d_decl.id) if program.validation else None
    assert node is not None and Evaluator(program.validation).is_valid(node, 1)  # type: ignore[arg-type]
    # served by --map-uri: read (without the validation vocabulary, keywords are annotations) and
    # its $vocabulary heeded (with it, they assert)
    kw: dict[str, Any] = {"uri_map": {"https://example.com/": tmp_path / "mirror"}}
    served = tmp_path / "mirror" / "meta" / "no-validation"
    write(served, _meta(uri, draft, ["core", "applicator"]))
    assert accepts([doc], doc, {"n": 1}, **kw)
    write(served, _meta(uri, draft, ["core", "applicator", "validation"]))
    assert not accepts([doc], doc, {"n": 1}, **kw) and accepts([doc], doc, {"n": 10}, **kw)
    # a draft-07 meta-schema has no $vocabulary to heed
    write(served, {**_meta(uri, draft, ["core", "applicator"]), "$schema": "http://json-schema.org/draft-07/schema#"})
    assert not accepts([doc], doc, {"n": 1}, **kw)
    # without the meta-schema at hand, nothing is fetched and every keyword asserts
    assert not accepts([doc], doc, {"n": 1})
    assert not accepts([doc], doc, {})


def test_embedded_resources_follow_their_own_metaschema(tmp_path: Path) -> None:
    """An embedded resource naming the same meta-schema loses its validation keywords with the
    document; one naming a draft keeps them; in an ordinary document, an embedded resource naming a
    meta-schema without the validation vocabulary loses its own (and only its own)."""
    uri = "https://example.com/meta/no-validation"
    meta = write(tmp_path / "meta.json", _meta(uri, "2020-12", ["core", "applicator"]))
    doc = write(tmp_path / "doc.json", {
        "$schema": uri,
        "properties": {
            "same": {"$id": "https://example.com/same", "$schema": uri, "minimum": 2},
            "draft": {"$id": "https://example.com/draft", "$schema": "https://json-schema.org/draft/2020-12/schema",
                      "minimum": 2},
        },
    })
    assert accepts([doc, meta], doc, {"same": 1})
    assert not accepts([doc, meta], doc, {"draft": 1})
    plain = write(tmp_path / "plain.json", {
        "properties": {"free": {"$id": "https://example.com/free", "$schema": uri, "minimum": 2}, "n": {"minimum": 2}},
    })
    assert accepts([plain, meta], plain, {"free": 1})
    assert not accepts([plain, meta], plain, {"n": 1})


@pytest.mark.parametrize(
    "schema_uri",
    ["file://[::1", "http://[x#a", "file:///tmp/a%00b", "https://example.com/a%00b", "relative/meta.json", 12, None],
)
def test_odd_metaschema_uris_are_no_crash(tmp_path: Path, schema_uri: Any) -> None:
    """A ``$schema`` the tool cannot read as a meta-schema leaves every keyword an assertion."""
    doc = write(tmp_path / "doc.json", {"$schema": schema_uri, "properties": {"n": {"minimum": 2}}})
    kw: dict[str, Any] = {"uri_map": {"https://example.com/": tmp_path}}
    assert not accepts([doc], doc, {"n": 1}, **kw)
    assert accepts([doc], doc, {"n": 2}, **kw)


@pytest.mark.parametrize("meta_name", ["a_meta.json", "z_meta.json"])
def test_a_metaschema_of_ones_own_gives_its_draft(tmp_path: Path, meta_name: str) -> None:
    """A 2019-09 meta-schema makes ``$recursiveRef`` a 2019-09 reference in the document using it,
    whether the meta-schema is given before or after the document."""
    uri = "https://example.com/meta/tree"
    schema = {
        "$schema": uri,
        "$recursiveAnchor": True,
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$recursiveRef": "#"}}, "n": {"type": "integer"}},
    }
    meta = write(tmp_path / meta_name, _meta(uri, "2019-09", ["core", "applicator", "validation"]))
    doc = write(tmp_path / "tree.json", schema)
    assert accepts([meta, doc], doc, {"kids": [{"n": 1, "kids": []}]})
    assert not accepts([meta, doc], doc, {"kids": [{"n": "x"}]})
