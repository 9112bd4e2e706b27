"""Tagged unions: when a discriminator alone decides the variant, and which objects carry a tag.

Every target that turns a discriminated ``oneOf``/``anyOf`` into a native tagged union (msgspec
``tag_field``, serde ``#[serde(tag = ...)]``, TypeScript narrowing on a literal property) must agree
on the same two facts, so they are decided here once:

* :func:`sound_tag`: the discriminator is *sound* when the tag property alone decides the variant:
  every variant is an object that requires the property, the property's type allows exactly the
  values the discriminator lists for that variant (a literal or an enum, JSON types included: ``1``
  is not ``true``), and no value is listed for two variants.  A union whose tag is not sound is
  decoded by trying its variants; it never becomes a native tagged union.
* :func:`tag_claims`: a tagged variant *is* its tag in the target's type (the tag field moves into
  the union's encoding), so an object may carry a tag only when every sound union that lists it
  gives it the same single (property, value).  ``tag_claims`` collects, for each object, the
  (property, value) pairs the sound single-value unions give it; a target keeps an object as a
  tagged variant only when it holds exactly one pair.

What each language can express on top of that (msgspec: string or integer tags on closed structs;
serde: string tags, variants used nowhere else) stays in the target: those are capabilities, not
meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..ir import model as ir
from ..ir.passes import decl_exprs, resolve_alias, walk_expr

Claim = tuple[str, str, object]
"""(tag property, JSON type of the value, tag value) of one variant (``1`` and ``true`` differ)."""


def unions_of(decls: Iterable[ir.Decl]) -> list[ir.UnionType]:
    """Every union expression of the declarations, in declaration order (nested ones included)."""
    out: list[ir.UnionType] = []
    for d in decls:
        for e in decl_exprs(d):
            out.extend(x for x in walk_expr(e) if isinstance(x, ir.UnionType))
    return out


def _typed(values: Iterable[object]) -> set[tuple[str, object]]:
    return {(type(x).__name__, x) for x in values}


def sound_tag(decls: dict[str, ir.Decl], u: ir.UnionType) -> bool:
    """Whether the union's tag alone decides the variant (see the module docstring)."""
    disc = u.discriminator
    if not isinstance(disc, ir.TagDiscriminator) or len(disc.values) != len(u.variants):
        return False
    seen: set[tuple[str, object]] = set()
    for v, values in zip(u.variants, disc.values):
        d = resolve_alias(decls, v)
        if not isinstance(d, ir.ObjectDecl):
            return False
        fld = next((f for f in d.fields if f.wire_name == disc.property and f.required), None)
        if fld is None:
            return False
        t = resolve_alias(decls, fld.type)
        if isinstance(t, ir.LiteralType):
            allowed: list[object] = [t.value]
        elif isinstance(t, ir.EnumDecl):
            allowed = [m.value for m in t.members]
        else:
            return False
        keyed = _typed(allowed)
        if not values or keyed != _typed(values) or keyed & seen:
            return False
        seen |= keyed
    return True


def single_value_variants(decls: dict[str, ir.Decl], u: ir.UnionType) -> list[tuple[str, object]] | None:
    """``[(object id, tag value)]`` when the tag is sound, every variant is a direct reference to an
    object and each lists one value; else None."""
    if not sound_tag(decls, u):
        return None
    disc = u.discriminator
    assert isinstance(disc, ir.TagDiscriminator)
    out: list[tuple[str, object]] = []
    for v, values in zip(u.variants, disc.values):
        if not isinstance(v, ir.RefType) or len(values) != 1 or not isinstance(decls.get(v.target), ir.ObjectDecl):
            return None
        out.append((v.target, values[0]))
    return out


def tag_claims(
    decls: dict[str, ir.Decl], unions: Iterable[ir.UnionType], accept: Callable[[ir.UnionType], bool] = lambda u: True
) -> tuple[list[ir.UnionType], dict[str, set[Claim]]]:
    """The sound single-value unions ``accept`` admits, and each listed object's claims."""
    chosen: list[ir.UnionType] = []
    claims: dict[str, set[Claim]] = {}
    for u in unions:
        variants = single_value_variants(decls, u)
        if variants is None or not accept(u):
            continue
        disc = u.discriminator
        assert isinstance(disc, ir.TagDiscriminator)
        chosen.append(u)
        for target, value in variants:
            claims.setdefault(target, set()).add((disc.property, type(value).__name__, value))
    return chosen, claims
