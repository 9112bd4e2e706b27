"""IR protocol -> the view model of the JSON-RPC peers (``_rpc.py``, ``server.py``, ``client.py``).

The generic transports are a hand-written module copied as it is (``templates/python/runtime/_rpc.py``); what this
module computes is the per-method part: one typed handler per ``clientToServer`` method on the
server, one typed call per ``serverToClient`` method on the server's context, one typed call per
``clientToServer`` method on the client and one typed handler per ``serverToClient`` method on the
client's handler object.  With ``profile: "stepflow-components"`` it also resolves the names of
the StepFlow types the component layer uses, after checking that the method table has them.
"""

from __future__ import annotations

from ...analysis.components import execution_failed_code
from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...records import dataclass, field
from ..naming import NameTable, pascal, snake
from .escape import fill_words, py_docstring, py_doctext
from .format import black_format
from .layout import layout_chunk
from .types import PythonTypeMapper

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LINE = 88

RUNTIME_EXPORTS = ("ConnectionLost", "Limits", "RpcError", "TransportError")
"""Names ``_rpc.py`` exports through ``__init__``."""

RESERVED_MEMBERS = frozenset(
    {
        # server
        "component",
        "components",
        "context_class",
        "create_http_app",
        "default_transport",
        "limits",
        "main",
        "max_message",
        "run",
        "run_http",
        "run_stdio",
        "serve_http",
        "serve_stdio",
        "schema_of",
        # client
        "close",
        "connect_http",
        "connect_stdio",
        "handlers",
        "peer",
        "process",
        # context
        "attempt",
        "get_blob",
        "observability",
        "put_blob",
        # every class
        "call",
        "notify",
        "self",
    }
)


@dataclass
class RpcMethod:
    wire: str
    attr: str
    """The Python method name (``components/execute`` -> ``components_execute``)."""
    params: str
    """Type expression of the params."""
    result: str | None
    """Type expression of the result (None for notifications)."""
    notification: bool
    params_default: str | None
    """Python expression of the params to send when the caller gives none (params that accept
    ``{}``), else None (params are required)."""
    doc: str
    """Docstring text: what the method does and who sends it."""
    server_def: str = ""
    """``async def`` line(s) of the server's handler, laid out as black does."""
    context_def: str = ""
    client_def: str = ""
    handler_def: str = ""
    params_value: str = "params"
    """The expression a call sends as params (fills in the default)."""
    server_member: str = ""
    """The finished method text (indented for its class, formatted as black does)."""
    context_member: str = ""
    client_member: str = ""
    handler_member: str = ""


@dataclass
class Profile:
    """Python names of the StepFlow types the component layer uses."""

    initialize_result: str
    list_result: str
    component_info: str
    info_params: str
    info_result: str
    execute_params: str
    execute_result: str
    observability: str
    execution_failed: int = -32003
    """The code a component's exception is answered with: the one code among
    ``components/execute``'s ``errors`` that is neither a standard JSON-RPC code (-32700,
    -32600..-32603) nor -32001 (unknown component), else -32003 (the 0.9 SDK's code).  The
    0.11.1 table lists -32100, the code the 0.11 SDK uses and the 0.11 runtime retries."""
    put_params: str | None = None
    put_result: str | None = None
    get_params: str | None = None
    get_result: str | None = None
    blob_type: str | None = None
    put: RpcMethod | None = None
    get: RpcMethod | None = None


@dataclass
class RpcModel:
    server: str
    stdio_server: str
    context: str
    client: str
    server_handlers: str
    client_handlers: str
    error: str | None
    memory_runtime: str | None
    client_role: str
    server_role: str
    protocol_name: str
    server_methods: list[RpcMethod] = field(default_factory=list)
    """clientToServer (and both) methods: handled by the server, called by the client."""
    client_methods: list[RpcMethod] = field(default_factory=list)
    """serverToClient (and both) methods: called through the context, handled by the client."""
    profile: Profile | None = None
    server_imports: list[str] = field(default_factory=list)
    client_imports: list[str] = field(default_factory=list)

    @property
    def server_exports(self) -> list[str]:
        names = [self.server, self.stdio_server, self.context, self.server_handlers]
        if self.error:
            names.append(self.error)
        return sorted(names)

    @property
    def client_exports(self) -> list[str]:
        names = [self.client, self.client_handlers]
        if self.memory_runtime:
            names += [self.memory_runtime, "blob_id", "canonical_json"]
        return sorted(names)


def py_def(indent: str, name: str, args: list[str], returns: str) -> str:
    """An ``async def`` header laid out as black lays it out (one line, hugged, or exploded)."""
    one = f"{indent}async def {name}({', '.join(args)}) -> {returns}:"
    if len(one) <= LINE:
        return one
    inner = indent + "    "
    hugged = f"{inner}{', '.join(args)}"
    if len(hugged) <= LINE and len(f"{indent}) -> {returns}:") <= LINE:
        return f"{indent}async def {name}(\n{hugged}\n{indent}) -> {returns}:"
    lines = "".join(f"{inner}{a},\n" for a in args)
    return f"{indent}async def {name}(\n{lines}{indent}) -> {returns}:"


def _params_default(program: ir.Program, mapper: PythonTypeMapper, e: ir.TypeExpr) -> str | None:
    """``{}`` for params that are an (empty) map, ``X()`` for an object with no required field."""
    seen: set[str] = set()
    while isinstance(e, ir.RefType) and e.target not in seen:
        seen.add(e.target)
        d = program.decl(e.target)
        if isinstance(d, ir.ObjectDecl):
            if any(f.required for f in d.fields) or e.target in mapper.hooked:
                return None
            return f"{mapper.ref(e.target)}()"
        if isinstance(d, ir.AliasDecl) and e.target not in mapper.hooked:
            e = d.target
            continue
        return None
    if isinstance(e, ir.MapType) and (e.constraints.min_properties or 0) == 0:
        return "{}"
    return None


def _doc(m: ir.Method, roles: ir.Protocol) -> str:
    sender = {
        "clientToServer": f"sent by the {roles.client_role} to the {roles.server_role}",
        "serverToClient": f"sent by the {roles.server_role} to the {roles.client_role}",
        "both": "sent by either peer",
    }[m.direction]
    kind = "notification" if m.notification else "request"
    paragraphs = [f"The `{m.name}` {kind} ({sender})."]
    if m.doc:
        paragraphs += [p for p in m.doc.split("\n\n") if p.strip()]
    if m.errors:
        paragraphs.append("Error codes: " + ", ".join(str(c) for c in m.errors) + ".")
    return "\n\n".join(
        fill_words(" ".join(p.split()), LINE - 8)
        for p in paragraphs
    )


def format_member(text: str) -> str:
    """A class member (indented by 4) formatted as black does (black runs only for long lines).

    A member that opens with ``def`` or a decorator is laid out alike with or without a class line
    above it (only a string opening the body would be the class docstring), so the layout module's
    answer for the member itself is final; anything else, or a member it declines, is formatted
    inside a class."""
    laid = layout_chunk(text)
    if laid == text:
        return text
    if laid is not None and text.lstrip(" ").startswith(("def ", "async def ", "@")):
        return laid
    wrapped = black_format("class _:\n" + text)
    return wrapped.split("\n", 1)[1]


def _render_members(env: Any, rm: RpcMethod) -> None:
    for kind in ("server", "context", "client", "handler"):
        if getattr(rm, f"{kind}_def"):
            text = env.get_template(f"member_{kind}.jinja").render(c=rm).rstrip("\n") + "\n"
            setattr(rm, f"{kind}_member", format_member(text))


def build_model(program: ir.Program, mapper: PythonTypeMapper, diags: Diagnostics, env: Any) -> RpcModel:
    protocol = program.protocol
    assert protocol is not None
    ns = protocol.namespace or ""
    profile_on = protocol.profile == "stepflow-components"
    model = RpcModel(
        server=f"{ns}Server",
        stdio_server=f"{ns}StdioServer",
        context=f"{ns}Context",
        client=f"{ns}Client",
        server_handlers=(pascal(protocol.server_role) or "Server") + "Handlers",
        client_handlers=(pascal(protocol.client_role) or "Client") + "Handlers",
        error=(f"{ns}Error" if ns else "ComponentError") if profile_on else None,
        memory_runtime=("InMemory" + (pascal(protocol.client_role) or "Client")) if profile_on else None,
        client_role=py_doctext(protocol.client_role),
        server_role=py_doctext(protocol.server_role),
        protocol_name=py_doctext(protocol.name),
    )
    taken = set(mapper.protocol_names().values())
    ours = model.server_exports + model.client_exports + list(RUNTIME_EXPORTS)
    if len(set(ours)) != len(ours):
        diags.error(
            "name-collision",
            protocol.source.file if protocol.source else "",
            "/roles",
            f"the generated JSON-RPC classes collide: {', '.join(sorted(ours))}",
            "give the roles different names, or set a namespace",
        )
    for name in ours:
        if name in taken:
            diags.error(
                "name-collision",
                protocol.source.file if protocol.source else "",
                "/namespace",
                f"schema type {name!r} collides with a generated JSON-RPC class",
                "set (or change) the method table's namespace",
            )
    names = NameTable("python method", RESERVED_MEMBERS)
    server_imports: set[str] = set()
    client_imports: set[str] = set()
    for m in protocol.methods:
        where = f"{m.source.file}#{m.source.pointer}" if m.source else m.name
        attr = names.claim(snake(m.name) or "method", m.name, where)
        params = mapper.expr(m.params, m.source)
        result = mapper.expr(m.result, m.source) if m.result is not None else None
        refs = {mapper.ref(e.target) for e in (m.params, m.result) if isinstance(e, ir.RefType)}
        rm = RpcMethod(
            wire=m.name,
            attr=attr,
            params=params,
            result=result,
            notification=m.notification,
            params_default=_params_default(program, mapper, m.params),
            doc=_doc(m, protocol),
        )
        if rm.params_default:
            rm.params_value = f"{rm.params_default} if params is None else params"
        returns = result or "None"
        p_arg = f"params: {params}" + (f" | None = None" if rm.params_default else "")
        if m.direction in ("clientToServer", "both"):
            rm.server_def = py_def("    ", attr, ["self", f"params: {params}", f"context: {model.context}"], returns)
            rm.client_def = py_def("    ", attr, ["self", p_arg, "*", "timeout: float | None = None"], returns)
            model.server_methods.append(rm)
            server_imports |= refs
            client_imports |= refs
        if m.direction in ("serverToClient", "both"):
            rm2 = RpcMethod(**{**rm.__dict__})
            rm2.context_def = py_def("    ", attr, ["self", p_arg, "*", "timeout: float | None = None"], returns)
            rm2.handler_def = py_def("    ", attr, ["self", f"params: {params}"], returns)
            model.client_methods.append(rm2)
            server_imports |= refs
            client_imports |= refs
            _render_members(env, rm2)
        _render_members(env, rm)
    for r in names.renames:
        diags.warning(
            "renamed",
            r.where.split("#", 1)[0],
            r.where.split("#", 1)[1] if "#" in r.where else "",
            f"the Python method for {r.original!r} is {r.chosen!r} ({r.reason})",
        )
    if profile_on:
        model.profile = _profile(program, mapper, protocol, diags)
        if model.profile is not None:
            p = model.profile
            by_wire = {m.wire: m for m in model.client_methods}
            p.put = by_wire.get("blobs/put") if p.put_params else None
            p.get = by_wire.get("blobs/get") if p.get_params else None
            if p.put_params and (p.put is None or p.get is None):
                diags.error(
                    "profile",
                    protocol.source.file if protocol.source else "",
                    "/profile",
                    "the stepflow-components profile needs blobs/put and blobs/get sent by the server (serverToClient)",
                )
            server_imports |= {
                p.initialize_result,
                p.list_result,
                p.component_info,
                p.info_result,
                p.execute_result,
                p.observability,
            }
            for extra in (p.put_params, p.get_params, p.blob_type):
                if extra:
                    server_imports.add(extra)
            for extra in (p.put_result, p.get_result, p.blob_type):
                if extra:
                    client_imports.add(extra)
    model.server_imports = sorted(server_imports)
    model.client_imports = sorted(client_imports)
    return model


# -- the stepflow-components profile ----------------------------------------------------------

_NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "initialize": ((), ("server_protocol_version",)),
    "components/list": ((), ("components",)),
    "components/info": (("component",), ("info",)),
    "components/execute": (("component", "input", "attempt", "observability"), ("output",)),
}
_OPTIONAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "blobs/put": (("data", "blob_type", "observability"), ("blob_id",)),
    "blobs/get": (("blob_id", "observability"), ("data", "blob_type")),
}
"""JSON-RPC's own codes and the unknown-component code (not a component's failure)."""
_INFO_FIELDS = ("component", "description", "input_schema", "output_schema")


class _ProfileError(Exception):
    pass


def _profile(
    program: ir.Program, mapper: PythonTypeMapper, protocol: ir.Protocol, diags: Diagnostics
) -> Profile | None:
    where = protocol.source.file if protocol.source else ""
    by_name = {m.name: m for m in protocol.methods}

    def obj(e: ir.TypeExpr | None, what: str) -> ir.ObjectDecl:
        # closed (a msgspec Struct) or open (an OpenObject keeping unknown keys, as StepFlow's
        # own schemas leave them): both are built with keyword arguments named after the
        # Python attributes, which is all the component layer does with them
        if isinstance(e, ir.RefType) and e.target not in mapper.hooked:
            d = program.decl(e.target)
            if isinstance(d, ir.ObjectDecl):
                return d
        raise _ProfileError(f"{what} must be a named object type")

    def attrs(d: ir.ObjectDecl, wanted: tuple[str, ...], what: str) -> dict[str, ir.Field]:
        saved = mapper.diags
        mapper.diags = Diagnostics()
        try:
            idents = mapper.field_names(d)
        finally:
            mapper.diags = saved
        fields = {ident: f for ident, f in zip(idents, d.fields)}
        missing = [w for w in wanted if w not in fields]
        if missing:
            raise _ProfileError(f"{what} lacks the field(s) {', '.join(missing)}")
        return fields

    def ref_of(f: ir.Field, what: str) -> str:
        e = f.type
        if isinstance(e, ir.ArrayType):
            e = e.items
        if isinstance(e, ir.UnionType):
            refs = [v for v in e.variants if isinstance(v, ir.RefType)]
            e = refs[0] if len(refs) == 1 else e
        if not isinstance(e, ir.RefType):
            raise _ProfileError(f"{what} must refer to a named type")
        return mapper.ref(e.target)

    try:
        decls: dict[str, tuple[ir.ObjectDecl, ir.ObjectDecl | None]] = {}
        for name, (p_fields, r_fields) in {**_NEEDS, **_OPTIONAL}.items():
            m = by_name.get(name)
            if m is None or m.notification:
                if name in _NEEDS:
                    raise _ProfileError(f"the method table has no {name!r} request")
                continue
            pd = obj(m.params, f"the params of {name}") if p_fields else None
            rd = obj(m.result, f"the result of {name}")
            if pd is not None:
                attrs(pd, p_fields, f"the params of {name}")
            attrs(rd, r_fields, f"the result of {name}")
            decls[name] = (pd, rd)  # type: ignore[assignment]
        list_fields = attrs(decls["components/list"][1], ("components",), "the result of components/list")  # type: ignore[arg-type]
        info_name = ref_of(list_fields["components"], "components/list's components")
        info_decl = program.decl(next(k for k, v in mapper.protocol_names().items() if v == info_name))
        if not isinstance(info_decl, ir.ObjectDecl):
            raise _ProfileError("the items of components/list's components must be objects")
        attrs(info_decl, _INFO_FIELDS, info_name)
        exec_fields = attrs(decls["components/execute"][0], ("observability",), "the params of components/execute")  # type: ignore[arg-type]
        prof = Profile(
            initialize_result=mapper.ref(decls["initialize"][1].id),  # type: ignore[union-attr]
            list_result=mapper.ref(decls["components/list"][1].id),  # type: ignore[union-attr]
            component_info=info_name,
            info_params=mapper.ref(decls["components/info"][0].id),
            info_result=mapper.ref(decls["components/info"][1].id),  # type: ignore[union-attr]
            execute_params=mapper.ref(decls["components/execute"][0].id),
            execute_result=mapper.ref(decls["components/execute"][1].id),  # type: ignore[union-attr]
            observability=ref_of(exec_fields["observability"], "components/execute's observability"),
        )
        prof.execution_failed = execution_failed_code(protocol)
        if "blobs/put" in decls:
            pd, rd = decls["blobs/put"]
            prof.put_params = mapper.ref(pd.id)
            prof.put_result = mapper.ref(rd.id)  # type: ignore[union-attr]
            prof.blob_type = ref_of(attrs(pd, ("blob_type",), "")["blob_type"], "blobs/put's blob_type")
        if "blobs/get" in decls:
            pd, rd = decls["blobs/get"]
            prof.get_params = mapper.ref(pd.id)
            prof.get_result = mapper.ref(rd.id)  # type: ignore[union-attr]
        if (prof.put_params is None) != (prof.get_params is None):
            raise _ProfileError("blobs/put and blobs/get come together (or not at all)")
        return prof
    except _ProfileError as e:
        diags.error(
            "profile",
            where,
            "/profile",
            f"the stepflow-components profile cannot be generated: {e}",
            "see docs/method-table.md for what the profile needs, or leave 'profile' out",
        )
        return None


__all__ = ["RpcModel", "RpcMethod", "Profile", "build_model", "py_def", "py_docstring"]
