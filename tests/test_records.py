"""``stepflow_codegen.records.dataclass`` behaves as ``dataclasses.dataclass`` (same arguments).

Every class is declared twice, once with each decorator, and the two are compared on construction
(positional, keyword, defaults, factories, ``__post_init__``, errors), equality, hashing, ordering,
``repr``, frozenness, ``__match_args__`` and the ``dataclasses`` functions the code base uses.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest
from stepflow_codegen import records
from stepflow_codegen.ir import model as ir


def _pair(frozen: bool, order: bool = False, own_field: bool = False) -> tuple[type, type]:
    """The same class made by dataclasses and by records (with ``records.field`` when ``own_field``)."""
    made = []
    for deco in (dataclasses.dataclass, records.dataclass):
        fld: Any = records.field if own_field and deco is records.dataclass else dataclasses.field

        @deco(frozen=frozen, order=order)
        class Thing:
            """A thing."""

            a: int
            b: str = "x"
            c: list[int] = fld(default_factory=list)
            d: dict[str, int] = fld(default_factory=dict, compare=False, repr=False, hash=False)
            e: tuple[int, ...] = fld(default=(1, 2))

            def __post_init__(self) -> None:
                self.d.update({"n": len(self.c)})

            def total(self) -> int:
                return self.a + sum(self.c)

        made.append(Thing)
    return made[0], made[1]


def _calls() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    return [((1,), {}), ((1, "y"), {}), ((1,), {"c": [1, 2]}), ((), {"a": 3, "e": (3,)}), ((1, "y", [4], {"k": 1}, ()), {})]


@pytest.mark.parametrize("own_field", [True, False])
@pytest.mark.parametrize("frozen", [True, False])
@pytest.mark.parametrize("order", [True, False])
def test_same_as_dataclasses(frozen: bool, order: bool, own_field: bool) -> None:
    ref, ours = _pair(frozen, order, own_field)
    assert dataclasses.is_dataclass(ours)
    def described(cls: type) -> list[tuple[Any, ...]]:
        return [(f.name, f.type, f.default, f.default_factory, f.compare, f.hash, f.repr, f.init, f.kw_only, f.metadata)
                for f in dataclasses.fields(cls)]  # fmt: skip

    assert described(ours) == described(ref)
    assert ours.__match_args__ == ref.__match_args__
    assert ours.__dataclass_params__.frozen == frozen and ours.__dataclass_params__.order == order  # type: ignore[attr-defined]
    assert ours.b == ref.b and ours.e == ref.e and not hasattr(ours, "c")
    objs = []
    for args, kwargs in _calls():
        r, o = ref(*args, **kwargs), ours(*args, **kwargs)
        assert repr(o).replace("test_same_as_dataclasses.<locals>.", "") == repr(r).replace("test_same_as_dataclasses.<locals>.", "")
        assert dataclasses.asdict(o) == dataclasses.asdict(r)
        assert dataclasses.astuple(o) == dataclasses.astuple(r)
        assert o.d == r.d and o.total() == r.total()
        assert list(vars(o).items()) == list(vars(r).items())  # the same instance dict, in field order
        assert dataclasses.replace(o, b="z") == ours(**{**dataclasses.asdict(o), "b": "z"})
        objs.append((r, o))
    # once compiled (on the first instance), __init__ takes the parameters dataclasses' takes, with
    # the same defaults (a factory's parameter has a marker of its own in each)
    def params(cls: type) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default if isinstance(p.default, (int, str, tuple)) else "marker")
                for p in inspect.signature(cls).parameters.values()]  # fmt: skip

    assert params(ours) == params(ref)
    for r1, o1 in objs:
        for r2, o2 in objs:
            assert (o1 == o2) == (r1 == r2) and (o1 != o2) == (r1 != r2)
            if order:
                assert (o1 < o2, o1 <= o2, o1 > o2, o1 >= o2) == (r1 < r2, r1 <= r2, r1 > r2, r1 >= r2)
    assert ours(1) != ref(1) and ours(1).__eq__(ref(1)) is NotImplemented
    if frozen:
        o = ours(1, c=[1])
        r = ref(1, c=[1])
        with pytest.raises(TypeError):  # lists are unhashable in both
            hash(r)
        with pytest.raises(TypeError):
            hash(o)
        assert hash(ours(1, e=(5,), c=(7,))) == hash(ref(1, e=(5,), c=(7,)))  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
            o.a = 2  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'b'"):
            del o.b  # type: ignore[misc]
    else:
        assert ours.__hash__ is None and ref.__hash__ is None
        o = ours(1)
        o.a = 5
        assert o.a == 5
    for args, kwargs in [((), {}), ((1,), {"a": 2}), ((1,), {"zz": 2}), ((1, 2, 3, 4, 5, 6), {})]:
        with pytest.raises(TypeError) as ours_error:
            ours(*args, **kwargs)
        with pytest.raises(TypeError) as ref_error:
            ref(*args, **kwargs)
        assert str(ours_error.value) == str(ref_error.value)


def test_refusals_match() -> None:
    for deco in (dataclasses.dataclass, records.dataclass):
        with pytest.raises(ValueError, match="mutable default"):

            @deco
            class Bad:
                xs: list[int] = []  # noqa: RUF012

        with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

            @deco
            class Bad2:
                a: int = 1
                b: int


def test_unsupported_features_fall_back_to_dataclasses() -> None:
    @records.dataclass(frozen=True)
    class WithInitFalse:
        a: int
        b: int = dataclasses.field(init=False, default=3)

    assert WithInitFalse(1).b == 3 and dataclasses.fields(WithInitFalse)[1].init is False

    @records.dataclass(frozen=True)
    class Sub(WithInitFalse):
        c: int = 0

    assert Sub(1, 2) == Sub(1, 2) and Sub(1, 2).c == 2


def test_dataclass_subclass_of_a_record() -> None:
    """A dataclass deriving from one of ours (dataclasses makes it) sees the base's fields and frozenness."""

    @records.dataclass(frozen=True)
    class Base:
        a: int
        b: str = "x"

    @records.dataclass(frozen=True)
    class Sub(Base):
        c: int = 0

    @dataclasses.dataclass(frozen=True)
    class RefBase:
        a: int
        b: str = "x"

    @dataclasses.dataclass(frozen=True)
    class RefSub(RefBase):
        c: int = 0

    assert [f.name for f in dataclasses.fields(Sub)] == [f.name for f in dataclasses.fields(RefSub)] == ["a", "b", "c"]
    assert Sub(1, "y", 2) == Sub(1, "y", 2) != Sub(1)
    assert hash(Sub(1, "y", 2)) == hash(RefSub(1, "y", 2))
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):

        @dataclasses.dataclass
        class Thawed(Base):
            c: int = 0


def test_ir_nodes_behave_as_before() -> None:
    s = ir.Source("a.json", "/x")
    t = ir.StringType(source=s) if "source" in {f.name for f in dataclasses.fields(ir.StringType)} else ir.StringType()
    assert t == pickle.loads(pickle.dumps(t)) and hash(t) == hash(pickle.loads(pickle.dumps(t)))
    assert dataclasses.replace(s, pointer="/y") == ir.Source("a.json", "/y")
    assert hash(s) == hash(("a.json", "/x")) and repr(s) == "Source(file='a.json', pointer='/x')"
    match s:
        case ir.Source(f, p):
            assert (f, p) == ("a.json", "/x")


@pytest.mark.parametrize("frozen", [True, False])
def test_replace_and_field_names(frozen: bool) -> None:
    ref, ours = _pair(frozen, own_field=True)
    o, r = ours(1, c=[2]), ref(1, c=[2])
    assert records.field_names(ours) == records.field_names(ref) == tuple(f.name for f in dataclasses.fields(ref))
    assert records.replace(o, b="z", e=(9,)) == dataclasses.replace(o, b="z", e=(9,))
    assert records.replace(r, b="z") == dataclasses.replace(r, b="z")  # a dataclasses class: dataclasses.replace
    assert vars(records.replace(o, a=4)) == vars(dataclasses.replace(o, a=4))
    for fn in (records.replace, dataclasses.replace):
        with pytest.raises(TypeError):
            fn(o, zz=1)


def test_unsupported_records_field_falls_back() -> None:
    @records.dataclass
    class WithInitFalse:
        a: int
        b: list[int] = records.field(default_factory=list)
        c: int = records.field(init=False, default=3)

    assert WithInitFalse(1).c == 3 and [f.init for f in dataclasses.fields(WithInitFalse)] == [True, True, False]
    assert WithInitFalse(1).b == [] and records.field_names(WithInitFalse) == ("a", "b", "c")
    with pytest.raises(ValueError, match="cannot specify both default and default_factory"):
        records.field(default=1, default_factory=list)


def test_records_do_not_import_dataclasses() -> None:
    """Defining and using records leaves ``dataclasses`` unimported until something asks for it;
    then the class is the dataclass it would have been."""
    import subprocess
    import sys

    code = """
import sys
from stepflow_codegen.records import dataclass, field, field_names, replace

@dataclass(frozen=True)
class P:
    a: int
    b: list[int] = field(default_factory=list, compare=False)
    c: str = "x"

p = replace(P(1), c="y")
assert (p.a, p.b, p.c) == (1, [], "y") and p == P(1, [5], "y") and hash(p) == hash((1, "y"))
assert field_names(P) == ("a", "b", "c") and repr(p) == "P(a=1, b=[], c='y')"
assert "dataclasses" not in sys.modules, "imported"
import dataclasses
assert dataclasses.is_dataclass(P) and dataclasses.is_dataclass(p)
assert [(f.name, f.compare, f.default) for f in dataclasses.fields(p)] == [
    ("a", True, dataclasses.MISSING), ("b", False, dataclasses.MISSING), ("c", True, "x")]
assert P.__dataclass_params__.frozen and dataclasses.asdict(p) == {"a": 1, "b": [], "c": "y"}
assert dataclasses.fields(P) is not None and type(P.__dict__["__dataclass_fields__"]) is dict
try:
    p.a = 2
except dataclasses.FrozenInstanceError as e:
    assert str(e) == "cannot assign to field 'a'"
else:
    raise AssertionError("assigned")
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr


@pytest.mark.parametrize("frozen", [True, False])
def test_constructors_of_every_shape(frozen: bool) -> None:
    """Constructors of any shape take what dataclasses' take; a data descriptor as a frozen field's
    default is the class attribute and sets the field (as dataclasses)."""

    class Described:
        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, owner: Any = None) -> Any:
            return 7 if obj is None else obj.__dict__.get("_v", 7)

        def __set__(self, obj: Any, value: Any) -> None:
            obj.__dict__["_v"] = value

    for body in ({"a": int, "update": int}, {"x": int, "y": str, "z": list}, {}, {"only": int}):
        made = []
        for deco in (dataclasses.dataclass, records.dataclass):
            ns: dict[str, Any] = {"__annotations__": dict(body)}
            if "z" in body:
                ns["z"] = (records.field if deco is records.dataclass else dataclasses.field)(default_factory=list)
            made.append(deco(frozen=frozen)(type("K", (), ns)))
        ref, ours = made
        args = [list(range(i)) if n == "z" else i for i, n in enumerate(body)]
        assert vars(ours(*args)) == vars(ref(*args)) and ours(*args) == ours(*args)
        if "z" in body:
            assert ours(1, "s").z == [] and ours(1, "s").z is not ours(1, "s").z
        for bad in ([*args, 0], []):
            if not body and not bad:
                continue
            with pytest.raises(TypeError) as e1:
                ours(*bad)
            with pytest.raises(TypeError) as e2:
                ref(*bad)
            assert str(e1.value) == str(e2.value)
    if frozen:

        @records.dataclass(frozen=True)
        class WithDescriptor:
            v: int = Described()  # type: ignore[assignment]

        assert WithDescriptor(3).v == 3 and WithDescriptor().v == 7


def test_recursive_repr_as_dataclasses() -> None:
    made = []
    for deco in (dataclasses.dataclass, records.dataclass):

        @deco
        class Node:
            name: str
            children: list[Any] = records.field(default_factory=list) if deco is records.dataclass else dataclasses.field(default_factory=list)

        n = Node("a")
        n.children.append(n)
        made.append(repr(n).replace("test_recursive_repr_as_dataclasses.<locals>.", ""))
    assert made[0] == made[1] == "Node(name='a', children=[...])"


# -- constructors compiled ahead of time (codegen/_compiled/records.py) -------------------------------
def test_precompiled_constructors_are_fresh() -> None:
    from stepflow_codegen import records_compile

    path = records_compile.output_path()
    assert path.read_text(encoding="utf-8") == records_compile.render(), (
        f"{path.name} is out of date; regenerate with: .venv/bin/python -m stepflow_codegen.records_compile"
    )
    assert records_compile.main(["--check"]) == 0


def test_precompiled_constructors_are_what_compile_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record of the package takes its ``__init__`` from the precompiled table (``compile`` is
    never called), and that code is the code compiling the source here gives."""
    from stepflow_codegen import records_compile

    classes = records_compile.record_classes()
    from stepflow_codegen.ir import validation

    assert len(classes) > 60 and validation.Node in classes
    attrs = ("co_code", "co_consts", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_argcount",
             "co_kwonlyargcount", "co_posonlyargcount", "co_flags", "co_nlocals", "co_stacksize", "co_filename",
             "co_name", "co_qualname", "co_firstlineno", "co_linetable", "co_exceptiontable")

    def no_compile(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"compiled {args[1]}")

    for cls in classes:
        fields = {f.name: f for f in cls.__records_fields__}
        frozen = cls.__dataclass_params__.frozen
        source, defaults, env = records._init_source(cls, fields, frozen)
        with monkeypatch.context() as m:
            m.setattr(records, "compile", no_compile, raising=False)
            init = records._compile_init(cls, fields, frozen)
        exec(compile(source, f"<{cls.__qualname__}.__init__>", "exec"), env)  # noqa: S102 - the records source
        ref = env["__init__"]
        for attr in attrs:
            assert getattr(init.__code__, attr) == getattr(ref.__code__, attr), (cls, attr)
        assert init.__defaults__ == defaults and init.__qualname__ == f"{cls.__qualname__}.__init__"
        assert init.__globals__.keys() - {"__builtins__"} == env.keys() - {"__builtins__", "__init__"}


def test_other_classes_are_compiled_as_before() -> None:
    @records.dataclass(frozen=True)
    class Unusual:
        a_field_no_package_record_has: int
        another_one: str = "x"

    assert Unusual(1) == Unusual(1, "x") and Unusual(2).another_one == "x"
    assert Unusual.__init__.__code__.co_filename.endswith("Unusual.__init__>")
