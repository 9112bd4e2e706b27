"""ECMA-262 regular expressions (JSON Schema ``pattern``) parsed once and rendered per target.

JSON Schema ``pattern`` / ``patternProperties`` keys are ECMA-262 regular expressions matched
unanchored (``new RegExp(p, "u").test(s)``).  ``translate`` parses a pattern with a small
recursive-descent parser of the ECMA-262 grammar (the ``u``-mode grammar; a pattern that is only
valid under the Annex B legacy grammar is accepted with ``js_flags == ""`` and a note, see
"Legacy patterns" below) and renders
the syntax tree for JavaScript, Python ``re`` and the Rust ``regex`` / ``fancy-regex`` crates so
that ``search``/``is_match`` accept exactly the strings JavaScript accepts:

* ``.`` is any code point but ``\\n \\r \\u2028 \\u2029``; ``^``/``$`` are start/end of input;
  ``\\d \\w \\s \\b`` are the ECMA-262 (ASCII / WhiteSpace+LineTerminator) sets, written out as
  explicit classes so no flavour's Unicode-aware shorthand is ever used;
* every literal character is written as an escape (``\\xHH``, ``\\uHHHH``, ``\\x{H}``), so text of
  the pattern can never acquire a flavour-specific meaning (``{,5}``, ``&&``, ``(?P``, ...);
* ``\\p{..}``: General_Category values are expanded from ``unicodedata`` for Python and spelled
  natively for Rust; Script / Script_Extensions and most binary properties are Rust-only;
* backreferences and lookaround need ``fancy-regex`` in Rust; a backreference to a group that
  has not participated matches the empty string, as in ECMA-262.

Legacy (Annex B) patterns.  Without the ``u`` flag JavaScript matches UTF-16 code units: an
astral character is a high then a low surrogate, and an atom whose set holds a surrogate (a
negated class, ``.``, ``\\D \\S \\W``, a range over D800-DFFF) may take one half of a pair, which
code-point matching cannot do.  An identity escape such as ``\\:`` is simply the character (``:``).
Literal surrogates (and astral literals, which are two of them) are never translated.  Atoms that
can match a surrogate half ("half-capable") are translated, with every astral code point added
to their set, when all of these hold (``_legacy_pair_safe``), and refused otherwise:

1. the pattern has no lookaround, no backreference and no ``\\B`` (so the verdict is "some path
   matches", and no assertion holds strictly inside a pair: ``^ $ \\b`` are false there);
2. the atom's set holds every surrogate, high and low;
3. the atom is the whole body of a greedy ``*`` or ``+`` (``{0,}``, ``{1,}``): one astral code
   point is two iterations in JavaScript, one here, and only ``lo <= 1, hi = inf`` is blind to that;
4. no half-capable atom can be the next to consume after the run (later in its sequence past
   nullable terms, or at the start of an enclosing loop's next iteration).

Why it is sound: only half-capable atoms consume surrogates, so a JavaScript match can stand
between the halves of a pair only (a) by starting there, (b) inside one run, or (c) after a run
took the high half.  In (a) the first unit taken is the low half, by a run (an assertion before it
would be false there): starting one unit earlier, with one more iteration, matches as well.  In
(c) nothing after the run can take the low half (4) nor test the position (1), so the rest of the
match is empty: one more iteration taking the low half matches as well.  What remains stands
inside pairs only between two iterations of one run, which merge into one iteration taking the
astral code point (it is in the set; 3 keeps the count legal); conversely every code-point match
splits into a unit match.  Other atoms agree on both sides (their sets have no surrogates and no
astral code points), and ``\\b`` sees surrogates and astral characters alike as non-word.  The
same holds for strings with lone surrogates (a Python ``str``; a Rust ``&str`` has none): a lone
surrogate is one unit and one code point.

Standard library only (shared by every target).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ..records import dataclass, field

__all__ = ["PatternError", "Translation", "translate"]

MAX_CP = 0x10FFFF


class PatternError(ValueError):
    """The pattern is not a valid ECMA-262 regular expression (in either grammar)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Translation:
    """One pattern for every flavour.  A None rendering means the flavour cannot honour the
    pattern exactly (``notes`` says why); ``rust_fancy`` is set only when ``rust`` is None."""

    source: str
    js: str
    js_flags: str
    python: str | None
    rust: str | None
    rust_fancy: str | None
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Code point sets: sorted, merged tuples of inclusive (lo, hi) ranges.

Ranges = tuple[tuple[int, int], ...]


def _norm(rs: "list[tuple[int, int]] | Ranges") -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(rs):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(rs: Ranges, top: int = MAX_CP) -> Ranges:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in rs:
        if lo > top:
            break
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= top:
        out.append((nxt, top))
    return tuple(out)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _minus(a: Ranges, b: Ranges) -> Ranges:
    return _intersect(a, _complement(b))


DIGIT: Ranges = ((0x30, 0x39),)
WORD: Ranges = _norm([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
# ECMA-262 WhiteSpace (TAB VT FF SP NBSP ZWNBSP and category Zs) plus LineTerminator.
SPACE: Ranges = _norm(
    [(0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
     (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]
)
LINE_TERMINATORS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
SURROGATES: Ranges = ((0xD800, 0xDFFF),)
ALL: Ranges = ((0, MAX_CP),)

# ---------------------------------------------------------------------------------------------
# Unicode property names accepted by ECMA-262 (exact spellings, no loose matching).

_GC_VALUES = (
    ("Cased_Letter", "LC"), ("Close_Punctuation", "Pe"), ("Connector_Punctuation", "Pc"),
    ("Control", "Cc", "cntrl"), ("Currency_Symbol", "Sc"), ("Dash_Punctuation", "Pd"),
    ("Decimal_Number", "Nd", "digit"), ("Enclosing_Mark", "Me"), ("Final_Punctuation", "Pf"),
    ("Format", "Cf"), ("Initial_Punctuation", "Pi"), ("Letter", "L"), ("Letter_Number", "Nl"),
    ("Line_Separator", "Zl"), ("Lowercase_Letter", "Ll"), ("Mark", "M", "Combining_Mark"),
    ("Math_Symbol", "Sm"), ("Modifier_Letter", "Lm"), ("Modifier_Symbol", "Sk"),
    ("Nonspacing_Mark", "Mn"), ("Number", "N"), ("Open_Punctuation", "Ps"), ("Other", "C"),
    ("Other_Letter", "Lo"), ("Other_Number", "No"), ("Other_Punctuation", "Po"),
    ("Other_Symbol", "So"), ("Paragraph_Separator", "Zp"), ("Private_Use", "Co"),
    ("Punctuation", "P", "punct"), ("Separator", "Z"), ("Space_Separator", "Zs"),
    ("Spacing_Mark", "Mc"), ("Surrogate", "Cs"), ("Symbol", "S"), ("Titlecase_Letter", "Lt"),
    ("Unassigned", "Cn"), ("Uppercase_Letter", "Lu"),
)
#: every accepted spelling -> the short (two-letter or group) value
GC_ALIASES: dict[str, str] = {alias: v[1] for v in _GC_VALUES for alias in v}
#: short value -> long name
GC_LONG: dict[str, str] = {v[1]: v[0] for v in _GC_VALUES}
_GC_GROUPS = {
    "L": ("Lu", "Ll", "Lt", "Lm", "Lo"), "LC": ("Lu", "Ll", "Lt"), "M": ("Mn", "Mc", "Me"),
    "N": ("Nd", "Nl", "No"), "P": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "S": ("Sm", "Sc", "Sk", "So"), "Z": ("Zs", "Zl", "Zp"), "C": ("Cc", "Cf", "Cs", "Co", "Cn"),
}

_BINARY = (
    "ASCII", "ASCII_Hex_Digit AHex", "Alphabetic Alpha", "Any", "Assigned", "Bidi_Control Bidi_C",
    "Bidi_Mirrored Bidi_M", "Case_Ignorable CI", "Cased", "Changes_When_Casefolded CWCF",
    "Changes_When_Casemapped CWCM", "Changes_When_Lowercased CWL",
    "Changes_When_NFKC_Casefolded CWKCF", "Changes_When_Titlecased CWT",
    "Changes_When_Uppercased CWU", "Dash", "Default_Ignorable_Code_Point DI", "Deprecated Dep",
    "Diacritic Dia", "Emoji", "Emoji_Component EComp", "Emoji_Modifier EMod",
    "Emoji_Modifier_Base EBase", "Emoji_Presentation EPres", "Extended_Pictographic ExtPict",
    "Extender Ext", "Grapheme_Base Gr_Base", "Grapheme_Extend Gr_Ext", "Hex_Digit Hex",
    "IDS_Binary_Operator IDSB", "IDS_Trinary_Operator IDST", "ID_Continue IDC", "ID_Start IDS",
    "Ideographic Ideo", "Join_Control Join_C", "Logical_Order_Exception LOE", "Lowercase Lower",
    "Math", "Noncharacter_Code_Point NChar", "Pattern_Syntax Pat_Syn", "Pattern_White_Space Pat_WS",
    "Quotation_Mark QMark", "Radical", "Regional_Indicator RI", "Sentence_Terminal STerm",
    "Soft_Dotted SD", "Terminal_Punctuation Term", "Unified_Ideograph UIdeo", "Uppercase Upper",
    "Variation_Selector VS", "White_Space space", "XID_Continue XIDC", "XID_Start XIDS",
)
#: every accepted binary property spelling -> long name
BINARY_ALIASES: dict[str, str] = {a: e.split()[0] for e in _BINARY for a in e.split()}

# Script values (long name, then short aliases), from the Unicode 16.0 tables of regex-syntax
# 0.8 (checked against Node 20's ``\p{Script=..}``).
_SCRIPT_DATA = (
    "Adlam Adlm;Ahom;Anatolian_Hieroglyphs Hluw;Arabic Arab;Armenian Armn;Avestan Avst;Balinese "
    "Bali;Bamum Bamu;Bassa_Vah Bass;Batak Batk;Bengali Beng;Bhaiksuki Bhks;Bopomofo Bopo;Brahmi "
    "Brah;Braille Brai;Buginese Bugi;Buhid Buhd;Canadian_Aboriginal Cans;Carian "
    "Cari;Caucasian_Albanian Aghb;Chakma Cakm;Cham;Cherokee Cher;Chorasmian Chrs;Common Zyyy;Coptic "
    "Copt Qaac;Cuneiform Xsux;Cypriot Cprt;Cypro_Minoan Cpmn;Cyrillic Cyrl;Deseret Dsrt;Devanagari "
    "Deva;Dives_Akuru Diak;Dogra Dogr;Duployan Dupl;Egyptian_Hieroglyphs Egyp;Elbasan Elba;Elymaic "
    "Elym;Ethiopic Ethi;Garay Gara;Georgian Geor;Glagolitic Glag;Gothic Goth;Grantha Gran;Greek "
    "Grek;Gujarati Gujr;Gunjala_Gondi Gong;Gurmukhi Guru;Gurung_Khema Gukh;Han Hani;Hangul "
    "Hang;Hanifi_Rohingya Rohg;Hanunoo Hano;Hatran Hatr;Hebrew Hebr;Hiragana Hira;Imperial_Aramaic "
    "Armi;Inherited Qaai Zinh;Inscriptional_Pahlavi Phli;Inscriptional_Parthian Prti;Javanese "
    "Java;Kaithi Kthi;Kannada Knda;Katakana Kana;Kawi;Kayah_Li Kali;Kharoshthi "
    "Khar;Khitan_Small_Script Kits;Khmer Khmr;Khojki Khoj;Khudawadi Sind;Kirat_Rai Krai;Lao "
    "Laoo;Latin Latn;Lepcha Lepc;Limbu Limb;Linear_A Lina;Linear_B Linb;Lisu;Lycian Lyci;Lydian "
    "Lydi;Mahajani Mahj;Makasar Maka;Malayalam Mlym;Mandaic Mand;Manichaean Mani;Marchen "
    "Marc;Masaram_Gondi Gonm;Medefaidrin Medf;Meetei_Mayek Mtei;Mende_Kikakui Mend;Meroitic_Cursive "
    "Merc;Meroitic_Hieroglyphs Mero;Miao Plrd;Modi;Mongolian Mong;Mro Mroo;Multani Mult;Myanmar "
    "Mymr;Nabataean Nbat;Nag_Mundari Nagm;Nandinagari Nand;New_Tai_Lue Talu;Newa;Nko Nkoo;Nushu "
    "Nshu;Nyiakeng_Puachue_Hmong Hmnp;Ogham Ogam;Ol_Chiki Olck;Ol_Onal Onao;Old_Hungarian "
    "Hung;Old_Italic Ital;Old_North_Arabian Narb;Old_Permic Perm;Old_Persian Xpeo;Old_Sogdian "
    "Sogo;Old_South_Arabian Sarb;Old_Turkic Orkh;Old_Uyghur Ougr;Oriya Orya;Osage Osge;Osmanya "
    "Osma;Pahawh_Hmong Hmng;Palmyrene Palm;Pau_Cin_Hau Pauc;Phags_Pa Phag;Phoenician "
    "Phnx;Psalter_Pahlavi Phlp;Rejang Rjng;Runic Runr;Samaritan Samr;Saurashtra Saur;Sharada "
    "Shrd;Shavian Shaw;Siddham Sidd;SignWriting Sgnw;Sinhala Sinh;Sogdian Sogd;Sora_Sompeng "
    "Sora;Soyombo Soyo;Sundanese Sund;Sunuwar Sunu;Syloti_Nagri Sylo;Syriac Syrc;Tagalog "
    "Tglg;Tagbanwa Tagb;Tai_Le Tale;Tai_Tham Lana;Tai_Viet Tavt;Takri Takr;Tamil Taml;Tangsa "
    "Tnsa;Tangut Tang;Telugu Telu;Thaana Thaa;Thai;Tibetan Tibt;Tifinagh Tfng;Tirhuta Tirh;Todhri "
    "Todr;Toto;Tulu_Tigalari Tutg;Ugaritic Ugar;Unknown Zzzz;Vai Vaii;Vithkuqi Vith;Wancho "
    "Wcho;Warang_Citi Wara;Yezidi Yezi;Yi Yiii;Zanabazar_Square Zanb;")
#: every accepted Script / Script_Extensions value spelling -> long name
SCRIPT_ALIASES: dict[str, str] = {
    a: e.split()[0] for e in "".join(_SCRIPT_DATA).split(";") if e for a in e.split()
}

# Python can honour these binary properties (stable sets, or derived from unicodedata).
_PY_BINARY: dict[str, Ranges] = {
    "ASCII": ((0, 0x7F),),
    "Any": ALL,
    "ASCII_Hex_Digit": _norm([(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)]),
    "Hex_Digit": _norm([(0x30, 0x39), (0x41, 0x46), (0x61, 0x66), (0xFF10, 0xFF19), (0xFF21, 0xFF26),
                        (0xFF41, 0xFF46)]),
    "White_Space": _norm([(0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
                          (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
                          (0x3000, 0x3000)]),
}


# Properties ECMA-262 has and the regex crate (regex-syntax 0.8) lacks.
_RUST_MISSING = {
    ("bin", "Changes_When_NFKC_Casefolded"): "Changes_When_NFKC_Casefolded property",
    ("sc", "Unknown"): "Script=Unknown value",
    ("scx", "Unknown"): "Script_Extensions=Unknown value",
}


@lru_cache(maxsize=1)
def _gc_table() -> dict[str, Ranges]:
    """General_Category (two-letter value) -> code point ranges, from ``unicodedata``."""
    acc: dict[str, list[tuple[int, int]]] = {}
    cat = unicodedata.category
    prev = cat("\0")
    start = 0
    for cp in range(1, MAX_CP + 2):
        c = cat(chr(cp)) if cp <= MAX_CP else ""
        if c != prev:
            acc.setdefault(prev, []).append((start, cp - 1))
            prev, start = c, cp
    return {k: tuple(v) for k, v in acc.items()}


def _gc_ranges(short: str) -> Ranges:
    table = _gc_table()
    parts: list[tuple[int, int]] = []
    for v in _GC_GROUPS.get(short, (short,)):
        parts.extend(table.get(v, ()))
    return _norm(parts)


# ---------------------------------------------------------------------------------------------
# Syntax tree.


@dataclass
class Char:
    cp: int


@dataclass
class Dot:
    pass


@dataclass
class CharClass:
    """``[...]``, ``\\d`` and friends, ``\\p{..}``.  Items: ``("r", lo, hi)``, ``(k, negated)``
    with k in ``d s w``, or ``("p", kind, value, negated)`` with kind in ``gc sc scx bin``."""

    items: list[tuple]
    negated: bool = False


@dataclass
class Assertion:
    kind: str  # "^" "$" "b" "B"


@dataclass
class Look:
    behind: bool
    negated: bool
    body: "Disj"


@dataclass
class Group:
    index: int | None  # None: non-capturing
    body: "Disj"


@dataclass
class Backref:
    index: int
    name: str | None = None
    offset: int = 0


@dataclass
class Quant:
    atom: object
    lo: int
    hi: int | None
    lazy: bool


@dataclass
class Seq:
    terms: list = field(default_factory=list)


@dataclass
class Disj:
    alts: list[Seq]


_SYNTAX = set("^$\\.*+?()[]{}|")
_CONTROL = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_HEX = set("0123456789abcdefABCDEF")
_ASCII_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_surrogate(cp: int) -> bool:
    return 0xD800 <= cp <= 0xDFFF


class _Parser:
    """ECMA-262 pattern grammar; ``unicode`` selects the ``u``-mode grammar, else Annex B."""

    def __init__(self, source: str, unicode: bool) -> None:
        # JavaScript sees UTF-16: split astral characters (and, in u-mode, join pairs again).
        units: list[str] = []
        offs: list[int] = []
        for k, ch in enumerate(source):
            cp = ord(ch)
            if cp > 0xFFFF:
                cp -= 0x10000
                units += [chr(0xD800 + (cp >> 10)), chr(0xDC00 + (cp & 0x3FF))]
                offs += [k, k]
            else:
                units.append(ch)
                offs.append(k)
        if unicode:
            s: list[str] = []
            o: list[int] = []
            i = 0
            while i < len(units):
                c = ord(units[i])
                if 0xD800 <= c <= 0xDBFF and i + 1 < len(units) and 0xDC00 <= ord(units[i + 1]) <= 0xDFFF:
                    s.append(chr(0x10000 + ((c - 0xD800) << 10) + (ord(units[i + 1]) - 0xDC00)))
                    o.append(offs[i])
                    i += 2
                else:
                    s.append(units[i])
                    o.append(offs[i])
                    i += 1
            units, offs = s, o
        self.s = units
        self.offs = offs + [len(source)]
        self.u = unicode
        self.i = 0
        self.ngroups, has_names = self._prescan()
        self.n = unicode or has_names
        self.group_count = 0
        self.names: dict[str, int] = {}
        self.named_refs: list[Backref] = []

    # -- helpers
    def err(self, message: str, at: int | None = None) -> PatternError:
        return PatternError(message, self.offs[self.i if at is None else at])

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.s[j] if j < len(self.s) else None

    def eat(self, ch: str) -> bool:
        if self.peek() == ch:
            self.i += 1
            return True
        return False

    def _prescan(self) -> tuple[int, bool]:
        s, n, named, in_class, i = self.s, 0, False, False, 0
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if in_class:
                if c == "]":
                    in_class = False
            elif c == "[":
                in_class = True
            elif c == "(":
                if i + 1 < len(s) and s[i + 1] == "?":
                    if i + 3 < len(s) and s[i + 2] == "<" and s[i + 3] not in "=!":
                        n += 1
                        named = True
                else:
                    n += 1
            i += 1
        return n, named

    # -- grammar
    def parse(self) -> Disj:
        d = self.disjunction()
        if self.i < len(self.s):
            raise self.err("unmatched ')'" if self.peek() == ")" else "unexpected character")
        for ref in self.named_refs:
            if ref.name not in self.names:
                raise PatternError(f"invalid named reference {ref.name!r}", ref.offset)
            ref.index = self.names[ref.name]
        return d

    def disjunction(self) -> Disj:
        alts = [self.alternative()]
        while self.eat("|"):
            alts.append(self.alternative())
        return Disj(alts)

    def alternative(self) -> Seq:
        seq = Seq()
        while self.i < len(self.s) and self.peek() not in ("|", ")"):
            seq.terms.append(self.term())
        return seq

    def term(self) -> object:
        c = self.peek()
        if c == "^" or c == "$":
            self.i += 1
            return Assertion(c)
        if c == "\\" and self.peek(1) in ("b", "B"):
            self.i += 2
            return Assertion(self.s[self.i - 1])
        if c == "(" and self.peek(1) == "?":
            c2, c3 = self.peek(2), self.peek(3)
            if c2 in ("=", "!") or (c2 == "<" and c3 in ("=", "!")):
                behind = c2 == "<"
                self.i += 4 if behind else 3
                body = self.disjunction()
                if not self.eat(")"):
                    raise self.err("unterminated group")
                look = Look(behind, (c3 if behind else c2) == "!", body)
                if behind or self.u:
                    return look  # a following quantifier is "nothing to repeat"
                return self.quantified(look)  # Annex B QuantifiableAssertion
        return self.quantified(self.atom())

    def braced(self, j: int) -> tuple[int, int | None, int] | None:
        """A ``{n}``, ``{n,}`` or ``{n,m}`` quantifier at ``j``: (lo, hi, end) or None."""
        s = self.s

        def digits(k: int) -> tuple[int | None, int]:
            st = k
            while k < len(s) and "0" <= s[k] <= "9":
                k += 1
            return (int("".join(s[st:k])) if k > st else None), k

        if j >= len(s) or s[j] != "{":
            return None
        lo, k = digits(j + 1)
        if lo is None:
            return None
        if k < len(s) and s[k] == "}":
            return lo, lo, k + 1
        if k >= len(s) or s[k] != ",":
            return None
        hi, k = digits(k + 1)
        if k < len(s) and s[k] == "}":
            return lo, hi, k + 1
        return None

    def quantified(self, atom: object) -> object:
        c = self.peek()
        start = self.i
        if c == "*":
            lo, hi = 0, None
            self.i += 1
        elif c == "+":
            lo, hi = 1, None
            self.i += 1
        elif c == "?":
            lo, hi = 0, 1
            self.i += 1
        elif c == "{":
            b = self.braced(self.i)
            if b is None:
                if self.u:
                    raise self.err("incomplete quantifier")
                return atom  # Annex B: the '{' is a literal (next term)
            lo, hi, self.i = b
        else:
            return atom
        if hi is not None and lo > hi:
            raise self.err("numbers out of order in {} quantifier", start)
        lazy = self.eat("?")
        return Quant(atom, lo, hi, lazy)

    def atom(self) -> object:
        c = self.peek()
        assert c is not None
        if c in ("*", "+", "?"):
            raise self.err("nothing to repeat")
        if c == "{":
            if self.u or self.braced(self.i) is not None:
                raise self.err("nothing to repeat" if self.braced(self.i) else "lone quantifier brackets")
            self.i += 1
            return Char(ord(c))
        if c in ("}", "]"):
            if self.u:
                raise self.err("lone quantifier brackets" if c == "}" else "lone ']'")
            self.i += 1
            return Char(ord(c))
        if c == ".":
            self.i += 1
            return Dot()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.atom_escape()
        self.i += 1
        return Char(ord(c))

    def group(self) -> Group:
        start = self.i
        self.i += 1
        index: int | None = None
        if self.eat("?"):
            if self.eat(":"):
                pass
            elif self.peek() == "<":
                self.i += 1
                at = self.i
                name = self.group_name()
                if name in self.names:
                    raise self.err(f"duplicate capture group name {name!r}", at)
                self.group_count += 1
                index = self.names[name] = self.group_count
            else:
                raise self.err("invalid group", start)
        else:
            self.group_count += 1
            index = self.group_count
        body = self.disjunction()
        if not self.eat(")"):
            raise self.err("unterminated group")
        return Group(index, body)

    def group_name(self) -> str:
        """RegExpIdentifierName followed by '>' (the '<' is consumed)."""
        out: list[str] = []
        while True:
            at = self.i
            c = self.peek()
            if c is None:
                raise self.err("invalid capture group name")
            if c == ">":
                self.i += 1
                break
            if c == "\\":
                self.i += 1
                if self.peek() != "u":
                    raise self.err("invalid capture group name", at)
                cp = self.unicode_escape(always_u=True)
                if cp is None:
                    raise self.err("invalid Unicode escape in capture group name", at)
            else:
                self.i += 1
                cp = ord(c)
                # a literal surrogate pair (UTF-16 units in non-u mode) is one character
                if 0xD800 <= cp <= 0xDBFF and self.peek() is not None and 0xDC00 <= ord(self.peek()) <= 0xDFFF:  # type: ignore[arg-type]
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (ord(self.s[self.i]) - 0xDC00)
                    self.i += 1
            ch = chr(cp)
            ok = ch in "$_" or (ch.isidentifier() if not out else ("a" + ch).isidentifier() or ch in "\u200c\u200d")
            if not ok or _is_surrogate(cp):
                raise self.err("invalid capture group name", at)
            out.append(ch)
        if not out:
            raise self.err("invalid capture group name")
        return "".join(out)

    def unicode_escape(self, always_u: bool = False) -> int | None:
        """At 'u' of ``\\u``: the code point (advancing) or None (not advancing)."""
        s, j = self.s, self.i + 1
        u = self.u or always_u
        if u and j < len(s) and s[j] == "{":
            k = j + 1
            while k < len(s) and s[k] in _HEX:
                k += 1
            if k == j + 1 or k >= len(s) or s[k] != "}":
                return None
            v = int("".join(s[j + 1 : k]), 16)
            if v > MAX_CP:
                return None
            self.i = k + 1
            return v
        if j + 4 <= len(s) and all(ch in _HEX for ch in s[j : j + 4]):
            v = int("".join(s[j : j + 4]), 16)
            self.i = j + 4
            if u and 0xD800 <= v <= 0xDBFF:
                k = self.i
                if k + 6 <= len(s) and s[k] == "\\" and s[k + 1] == "u" and all(ch in _HEX for ch in s[k + 2 : k + 6]):
                    w = int("".join(s[k + 2 : k + 6]), 16)
                    if 0xDC00 <= w <= 0xDFFF:
                        self.i = k + 6
                        return 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00)
            return v
        return None

    def legacy_octal(self) -> int:
        d0 = int(self.s[self.i])
        self.i += 1
        v, n = d0, 1
        while n < (3 if d0 <= 3 else 2) and self.peek() is not None and self.peek() in "01234567":  # type: ignore[operator]
            v = v * 8 + int(self.s[self.i])
            self.i += 1
            n += 1
        return v

    def atom_escape(self) -> object:
        at = self.i
        self.i += 1
        c = self.peek()
        if c is None:
            raise self.err("\\ at end of pattern", at)
        if c in "123456789":
            k = self.i
            while k < len(self.s) and "0" <= self.s[k] <= "9":
                k += 1
            n = int("".join(self.s[self.i : k]))
            if n <= self.ngroups:
                self.i = k
                return Backref(n, offset=self.offs[at])
            if self.u:
                raise self.err("invalid escape (no such group)", at)
            if c in "89":
                self.i += 1
                return Char(ord(c))
            return Char(self.legacy_octal())
        if c == "0":
            if self.peek(1) is not None and "0" <= self.peek(1) <= "9":  # type: ignore[operator]
                if self.u:
                    raise self.err("invalid decimal escape", at)
                return Char(self.legacy_octal())
            self.i += 1
            return Char(0)
        if c == "k":
            if self.n:
                self.i += 1
                if not self.eat("<"):
                    raise self.err("invalid named reference", at)
                ref = Backref(0, self.group_name(), self.offs[at])
                self.named_refs.append(ref)
                return ref
            self.i += 1
            return Char(ord("k"))
        if c in "dDsSwW":
            self.i += 1
            return CharClass([(c.lower(), c.isupper())])
        if c in "pP" and self.u:
            return CharClass([self.property(at)])
        return Char(self.character_escape(at, in_class=False))

    def character_escape(self, at: int, in_class: bool) -> int:
        """After the backslash: a CharacterEscape (or Annex B identity escape)."""
        c = self.peek()
        assert c is not None
        if c in _CONTROL:
            self.i += 1
            return _CONTROL[c]
        if c == "c":
            nxt = self.peek(1)
            if nxt is not None and nxt in _ASCII_LETTERS:
                self.i += 2
                return ord(nxt) % 32
            if self.u:
                raise self.err("invalid unicode escape", at)
            return 0x5C  # Annex B: the backslash is literal, 'c' is the next atom
        if c == "x":
            if self.peek(1) in _HEX and self.peek(2) in _HEX:
                v = int(self.s[self.i + 1] + self.s[self.i + 2], 16)
                self.i += 3
                return v
            if self.u:
                raise self.err("invalid escape", at)
            self.i += 1
            return ord("x")
        if c == "u":
            ue = self.unicode_escape()
            if ue is not None:
                return ue
            if self.u:
                raise self.err("invalid Unicode escape", at)
            self.i += 1
            return ord("u")
        if self.u:
            if c in _SYNTAX or c == "/" or (in_class and c == "-"):
                self.i += 1
                return ord(c)
            raise self.err("invalid escape", at)
        if c == "k" and self.n:
            raise self.err("invalid named reference", at)
        self.i += 1
        return ord(c)

    def property(self, at: int) -> tuple:
        negated = self.s[self.i] == "P"
        self.i += 1
        if not self.eat("{"):
            raise self.err("invalid property name", at)
        k = self.i
        while k < len(self.s) and self.s[k] != "}":
            k += 1
        if k >= len(self.s):
            raise self.err("invalid property name", at)
        body = "".join(self.s[self.i : k])
        self.i = k + 1
        name, eq, value = body.partition("=")
        if eq:
            if name in ("General_Category", "gc") and value in GC_ALIASES:
                return ("p", "gc", GC_ALIASES[value], negated)
            if name in ("Script", "sc") and value in SCRIPT_ALIASES:
                return ("p", "sc", SCRIPT_ALIASES[value], negated)
            if name in ("Script_Extensions", "scx") and value in SCRIPT_ALIASES:
                return ("p", "scx", SCRIPT_ALIASES[value], negated)
        elif body in GC_ALIASES:
            return ("p", "gc", GC_ALIASES[body], negated)
        elif body in BINARY_ALIASES:
            return ("p", "bin", BINARY_ALIASES[body], negated)
        raise self.err(f"invalid property name {body!r}", at)

    def char_class(self) -> CharClass:
        at = self.i
        self.i += 1
        negated = self.eat("^")
        items: list[tuple] = []
        while True:
            c = self.peek()
            if c is None:
                raise self.err("unterminated character class", at)
            if c == "]":
                self.i += 1
                return CharClass(items, negated)
            a_at = self.i
            a = self.class_atom()
            if self.peek() == "-" and self.peek(1) is not None and self.peek(1) != "]":
                self.i += 1
                b = self.class_atom()
                if a[0] == "c" and b[0] == "c":
                    if a[1] > b[1]:
                        raise self.err("range out of order in character class", a_at)
                    items.append(("r", a[1], b[1]))
                    continue
                if self.u:
                    raise self.err("invalid character class range", a_at)
                items += [self._item(a), ("r", 0x2D, 0x2D), self._item(b)]
            else:
                items.append(self._item(a))

    @staticmethod
    def _item(a: tuple) -> tuple:
        return ("r", a[1], a[1]) if a[0] == "c" else a

    def class_atom(self) -> tuple:
        """("c", code point) or a class item (escape)."""
        c = self.s[self.i]
        if c != "\\":
            self.i += 1
            return ("c", ord(c))
        at = self.i
        self.i += 1
        nxt = self.peek()
        if nxt is None:
            raise self.err("\\ at end of pattern", at)
        c = nxt
        if c == "b":
            self.i += 1
            return ("c", 0x08)
        if c == "-" and self.u:
            self.i += 1
            return ("c", 0x2D)
        if c in "dDsSwW":
            self.i += 1
            return (c.lower(), c.isupper())
        if c in "pP" and self.u:
            return self.property(at)
        if "0" <= c <= "9":
            if self.u:
                if c == "0" and not (self.peek(1) is not None and "0" <= self.peek(1) <= "9"):  # type: ignore[operator]
                    self.i += 1
                    return ("c", 0)
                raise self.err("invalid class escape", at)
            if c in "89":
                self.i += 1
                return ("c", ord(c))
            return ("c", self.legacy_octal())
        if c == "c" and not self.u:
            nxt = self.peek(1)
            if nxt is not None and (nxt in _ASCII_LETTERS or "0" <= nxt <= "9" or nxt == "_"):
                self.i += 2
                return ("c", ord(nxt) % 32)
            return ("c", 0x5C)
        return ("c", self.character_escape(at, in_class=True))


def parse(pattern: str, unicode: bool = True) -> Disj:
    """The syntax tree of ``pattern`` (u-mode grammar, or Annex B with ``unicode=False``)."""
    return _Parser(pattern, unicode).parse()


# ---------------------------------------------------------------------------------------------
# Rendering.

_PY_MAXREPEAT = 2**32 - 1  # Python re rejects counts >= MAXREPEAT; the regex crate takes u32
_WORD_PY = "[0-9A-Z_a-z]"


def _py_lit(cp: int) -> str:
    if cp < 0x80 and chr(cp).isalnum():
        return chr(cp)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _rs_lit(cp: int) -> str:
    if cp < 0x80 and chr(cp).isalnum():
        return chr(cp)
    return f"\\x{{{cp:X}}}"


def _ranges_text(rs: Ranges, lit) -> str:  # type: ignore[no-untyped-def]
    out = []
    for lo, hi in rs:
        out.append(lit(lo) if lo == hi else f"{lit(lo)}-{lit(hi)}" if hi > lo + 1 else lit(lo) + lit(hi))
    return "".join(out)


def _class_text(rs: Ranges, lit, empty: str) -> str:  # type: ignore[no-untyped-def]
    """A class matching exactly ``rs`` (surrogates are don't-cares when absent from ``rs`` and
    from its complement alike: Rust callers leave them out of both).  Large sets are written
    negated: shorter, and Python compiles them much faster."""
    if not rs:
        return empty
    rest = _minus(_complement(rs), SURROGATES) if lit is _rs_lit else _complement(rs)
    if not rest:
        return "(?s:.)"
    size = sum(hi - lo + 1 for lo, hi in rs)
    if size > 0x8000:
        return f"[^{_ranges_text(rest, lit)}]"
    return f"[{_ranges_text(rs, lit)}]"


_RS_EMPTY = "[^\\x{0}-\\x{10FFFF}]"
_RS_ALL = "[\\x{0}-\\x{D7FF}\\x{E000}-\\x{10FFFF}]"
_PY_EMPTY = "(?!)"


@dataclass
class _GroupInfo:
    repeated: bool = False  # inside a quantifier that can iterate more than once
    in_negative_look: bool = False


def _group_info(tree: Disj) -> dict[int, _GroupInfo]:
    info: dict[int, _GroupInfo] = {}

    def walk(node: object, repeated: bool, neg: bool) -> None:
        if isinstance(node, Disj):
            for a in node.alts:
                walk(a, repeated, neg)
        elif isinstance(node, Seq):
            for t in node.terms:
                walk(t, repeated, neg)
        elif isinstance(node, Group):
            if node.index is not None:
                info[node.index] = _GroupInfo(repeated, neg)
            walk(node.body, repeated, neg)
        elif isinstance(node, Look):
            walk(node.body, repeated, neg or node.negated)
        elif isinstance(node, Quant):
            walk(node.atom, repeated or node.hi is None or node.hi > 1, neg)

    walk(tree, False, False)
    return info


def _width(node: object) -> int | None:
    """Fixed match width in characters, or None if it varies."""
    if isinstance(node, (Char, CharClass, Dot)):
        return 1
    if isinstance(node, (Assertion, Look)):
        return 0
    if isinstance(node, Group):
        return _width(node.body)
    if isinstance(node, Disj):
        ws = {_width(a) for a in node.alts}
        return ws.pop() if len(ws) == 1 else None
    if isinstance(node, Seq):
        total = 0
        for t in node.terms:
            w = _width(t)
            if w is None:
                return None
            total += w
        return total
    if isinstance(node, Quant):
        w = _width(node.atom)
        return 0 if w == 0 else w * node.lo if w is not None and node.hi == node.lo else None
    return None  # Backref


def _captures(node: object) -> set[int]:
    if isinstance(node, Group):
        return ({node.index} if node.index is not None else set()) | _captures(node.body)
    if isinstance(node, Disj):
        return set().union(*(_captures(a) for a in node.alts))
    if isinstance(node, Seq):
        return set().union(*(_captures(t) for t in node.terms))
    if isinstance(node, Look):
        return _captures(node.body)
    if isinstance(node, Quant):
        return _captures(node.atom)
    return set()


# ---------------------------------------------------------------------------------------------
# Legacy (Annex B) patterns: when code-point matching gives JavaScript's code-unit verdict (the
# rule and its soundness argument are in the module docstring).


def _legacy_units(node: object) -> Ranges | None:
    """The code units a legacy ``.`` or class matches (None: not a plain legacy class)."""
    if isinstance(node, Dot):
        return _complement(LINE_TERMINATORS, 0xFFFF)
    if not isinstance(node, CharClass):
        return None
    explicit: list[tuple[int, int]] = []
    for it in node.items:
        if it[0] == "r":
            explicit.append((it[1], it[2]))
        elif it[0] in ("d", "s", "w"):
            base = {"d": DIGIT, "s": SPACE, "w": WORD}[it[0]]
            explicit.extend(_complement(base, 0xFFFF) if it[1] else base)
        else:
            return None
    rs = _norm(explicit)
    return _complement(rs, 0xFFFF) if node.negated else rs


def _legacy_pair_safe(tree: Disj) -> set[int]:
    """Ids of the half-capable atoms (a ``.`` or class whose code units include a surrogate) of
    a legacy pattern for which code-point matching cannot change the verdict: every surrogate is
    in the atom's set, the atom is the whole body of a greedy ``*`` / ``+`` (``{0,}``, ``{1,}``),
    nothing that can follow the run may begin with a half-capable atom, and the pattern has no
    lookaround, backreference or ``\\B`` (``\\B`` holds between the halves of a pair, the others
    are not decided by the existence of a path).  Empty when some precondition fails."""
    parent: dict[int, object] = {}
    half: list[object] = []
    clean = True

    def walk(node: object) -> None:
        nonlocal clean
        kids: list[object] = []
        if isinstance(node, Disj):
            kids = list(node.alts)
        elif isinstance(node, Seq):
            kids = list(node.terms)
        elif isinstance(node, Group):
            kids = [node.body]
        elif isinstance(node, Quant):
            kids = [node.atom]
        elif isinstance(node, (Look, Backref)) or (isinstance(node, Assertion) and node.kind == "B"):
            clean = False
        elif isinstance(node, (Dot, CharClass)):
            units = _legacy_units(node)
            if units is None:
                clean = False
            elif _intersect(units, SURROGATES):
                half.append(node)
        for k in kids:
            parent[id(k)] = node
            walk(k)

    walk(tree)
    if not clean or not half:
        return set()
    ids = {id(h) for h in half}

    def nullable(n: object) -> bool:  # assertions count as passable (conservative)
        if isinstance(n, (Char, Dot, CharClass)):
            return False
        if isinstance(n, Group):
            return nullable(n.body)
        if isinstance(n, Disj):
            return any(nullable(a) for a in n.alts)
        if isinstance(n, Seq):
            return all(nullable(t) for t in n.terms)
        if isinstance(n, Quant):
            return n.lo == 0 or nullable(n.atom)
        return True  # Assertion

    def first_half(n: object) -> bool:
        """Can ``n`` consume a half-capable atom before any other code unit?"""
        if isinstance(n, (Dot, CharClass)):
            return id(n) in ids
        if isinstance(n, Group):
            return first_half(n.body)
        if isinstance(n, Disj):
            return any(first_half(a) for a in n.alts)
        if isinstance(n, Seq):
            for t in n.terms:
                if first_half(t):
                    return True
                if not nullable(t):
                    return False
            return False
        if isinstance(n, Quant):
            return n.hi != 0 and first_half(n.atom)
        return False

    def followed_by_half(n: object) -> bool:
        """Can a half-capable atom be the next to consume after ``n`` has matched?"""
        cur = n
        while id(cur) in parent:
            up = parent[id(cur)]
            if isinstance(up, Seq):
                k = next(i for i, t in enumerate(up.terms) if t is cur)
                for t in up.terms[k + 1:]:
                    if first_half(t):
                        return True
                    if not nullable(t):
                        return False
            elif isinstance(up, Quant) and (up.hi is None or up.hi > 1) and first_half(up.atom):
                return True  # the enclosing loop's next iteration
            cur = up
        return False  # the end of the pattern

    safe: set[int] = set()
    for h in half:
        units = _legacy_units(h)
        q = parent.get(id(h))
        if (
            units is not None
            and not _minus(SURROGATES, units)
            and isinstance(q, Quant)
            and q.hi is None
            and q.lo <= 1
            and not q.lazy
            and not followed_by_half(q)
        ):
            safe.add(id(h))
    return safe


# The regex crate refuses a pattern whose compiled NFA exceeds 10 MiB (RegexBuilder::size_limit;
# fancy-regex delegates with the same default).  A rough, conservative estimate (calibrated on
# regex 1.13: \p{L}{1,230} is about the limit) keeps ``rust`` None rather than failing at run time.
_RUST_SIZE_BUDGET = 5 * 1024 * 1024
_PROP_RANGES = {"sc": 50, "scx": 80, "bin": 800}


def _rust_cost(node: object) -> int:
    if isinstance(node, Char):
        return 50 if node.cp < 0x80 else 200
    if isinstance(node, Dot):
        return 1000
    if isinstance(node, CharClass):
        ranges, ascii_only = 0, True
        for it in node.items:
            if it[0] == "r":
                ranges += 1
                ascii_only = ascii_only and it[2] < 0x80
            elif it[0] in ("d", "w") and not it[1]:
                ranges += 3
            else:
                ascii_only = False
                ranges += len(_gc_ranges(it[2])) if it[0] == "p" and it[1] == "gc" else _PROP_RANGES.get(it[1], 12)
        if node.negated:  # mostly everything: calibrated on . and \S (about 1-3 KiB)
            return 100 * ranges + 1000
        return 50 * (ranges + 1) if ascii_only else 100 * ranges + 1500
    if isinstance(node, (Group, Look)):
        return _rust_cost(node.body) + 50
    if isinstance(node, Disj):
        return sum(_rust_cost(a) for a in node.alts) + 50
    if isinstance(node, Seq):
        return sum(_rust_cost(t) for t in node.terms)
    if isinstance(node, Quant):
        return _rust_cost(node.atom) * max(node.hi if node.hi is not None else node.lo, 1) + 50
    return 100


def _py_property(kind: str, value: str) -> Ranges | None:
    if kind == "gc":
        return _gc_ranges(value)
    if kind == "bin":
        if value == "Assigned":
            return _complement(_gc_ranges("Cn"))
        return _PY_BINARY.get(value)
    return None


class _Renderer:
    def __init__(
        self, flavour: str, annex_b: bool, groups: dict[int, _GroupInfo], pair_safe: set[int] | None = None
    ) -> None:
        self.f = flavour  # "python" | "rust" | "fancy"
        self.annex_b = annex_b
        self.pair_safe = pair_safe or set()  # legacy atoms that may take whole pairs (_legacy_pair_safe)
        self.groups = groups
        self.problems: list[str] = []
        self.used_gc = False
        self.used_props = False
        self.clamped = False
        self.opened: set[int] = set()
        self.dropped: set[int] = set()

    def fail(self, why: str) -> str:
        if why not in self.problems:
            self.problems.append(why)
        return ""

    def run(self, tree: Disj) -> str | None:
        out = self.node(tree, False, frozenset())
        if self.f != "python" and _rust_cost(tree) > _RUST_SIZE_BUDGET:
            self.fail(
                "the compiled pattern would likely exceed the regex crate's default size limit "
                "(10 MiB; counted repetitions of large classes)"
            )
        return None if self.problems else out

    # -- sets
    def _unsafe_legacy(self, rs: Ranges) -> bool:
        return bool(_intersect(rs, SURROGATES))

    def cset(self, items: list[tuple], negated: bool, pair_safe: bool = False) -> str:
        top = 0xFFFF if self.annex_b else MAX_CP
        explicit: list[tuple[int, int]] = []
        props: list[str] = []
        for it in items:
            if it[0] == "r":
                explicit.append((it[1], it[2]))
            elif it[0] in ("d", "s", "w"):
                base = {"d": DIGIT, "s": SPACE, "w": WORD}[it[0]]
                explicit.extend(_complement(base, top) if it[1] else base)
            else:
                _, kind, value, neg = it
                self.used_props = True
                if self.f == "python" or (kind == "gc" and value == "Cs"):
                    if self.f == "python" and kind == "gc":
                        self.used_gc = True
                    rs = SURROGATES if self.f != "python" else _py_property(kind, value)
                    if rs is None:
                        what = {"sc": "Script", "scx": "Script_Extensions", "bin": "binary property"}[kind]
                        return self.fail(f"Python re cannot match the {what} {value!r} (\\p{{..}})")
                    explicit.extend(_complement(rs) if neg else rs)
                elif (kind, value) in _RUST_MISSING:
                    return self.fail(f"the regex crate has no {_RUST_MISSING[kind, value]}")
                else:
                    name = "gc=" + GC_LONG[value] if kind == "gc" else f"{kind}={value}" if kind != "bin" else value
                    props.append(("\\P{" if neg else "\\p{") + name + "}")
        rs = _norm(explicit)
        if self.annex_b:
            effective = _complement(rs, 0xFFFF) if negated else rs
            if pair_safe and not _minus(SURROGATES, effective):
                # every surrogate is in the set: it takes an astral character as the two units
                # JavaScript sees (see _legacy_pair_safe)
                effective = _norm([*effective, (0x10000, MAX_CP)])
            elif self._unsafe_legacy(effective):
                return self.fail(
                    "in legacy (non-unicode) mode this can match half of a surrogate pair, "
                    "which code-point matching cannot reproduce"
                )
            rs, negated = effective, False
        if self.f == "python":
            return _class_text(_complement(rs) if negated else rs, _py_lit, _PY_EMPTY)
        if not props:  # a Rust &str never holds a surrogate: leave them out of the class
            return _class_text(_minus(_complement(rs) if negated else rs, SURROGATES), _rs_lit, _RS_EMPTY)
        rs = _minus(rs, SURROGATES)
        return "[" + ("^" if negated else "") + _ranges_text(rs, _rs_lit) + "".join(props) + "]"

    # -- tree
    def node(self, n: object, behind: bool, open_groups: frozenset[int]) -> str:
        f = self.f
        if isinstance(n, Disj):
            return "|".join(self.node(a, behind, open_groups) for a in n.alts)
        if isinstance(n, Seq):
            return "".join(self.node(t, behind, open_groups) for t in n.terms)
        if isinstance(n, Char):
            if _is_surrogate(n.cp):
                if self.annex_b:
                    return self.fail(
                        "in legacy (non-unicode) mode a surrogate (or astral character) in the pattern "
                        "matches half of a surrogate pair, which code-point matching cannot reproduce"
                    )
                if f != "python":
                    return _RS_EMPTY
            return _py_lit(n.cp) if f == "python" else _rs_lit(n.cp)
        if isinstance(n, Dot):
            return self.cset([("r", a, b) for a, b in LINE_TERMINATORS], True, id(n) in self.pair_safe)
        if isinstance(n, CharClass):
            return self.cset(n.items, n.negated, id(n) in self.pair_safe)
        if isinstance(n, Assertion):
            if n.kind == "^":
                return "\\A"
            if n.kind == "$":
                return "\\Z" if f == "python" else "\\z"
            if f == "rust":
                return "(?-u:\\" + n.kind + ")"
            w = _WORD_PY
            if n.kind == "b":
                return f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"
            return f"(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"
        if isinstance(n, Look):
            if f == "rust":
                return self.fail("lookaround needs fancy-regex")
            if n.behind and _width(n.body) is None:
                return self.fail("variable-width lookbehind")
            body = self.node(n.body, behind or n.behind, open_groups)
            return "(?" + ("<" if n.behind else "") + ("!" if n.negated else "=") + body + ")"
        if isinstance(n, Group):
            if n.index is not None:
                self.opened.add(n.index)
            inner = self.node(n.body, behind, open_groups if n.index is None else open_groups | {n.index})
            if n.index is None or f == "rust":
                return "(?:" + inner + ")"
            return f"(?P<g{n.index}>{inner})" if f == "python" else f"({inner})"
        if isinstance(n, Backref):
            if n.index in self.dropped:
                return "(?:)"
            if n.index in open_groups or n.index not in self.opened:
                # its group is still open, or comes later and is not repeated: always empty
                if not self.groups[n.index].repeated:
                    return "(?:)"
            if f == "rust":
                return self.fail("backreferences need fancy-regex")
            info = self.groups[n.index]
            if info.repeated:
                return self.fail(
                    "backreference to a group inside a repeated quantifier "
                    "(ECMA-262 resets captures on every iteration)"
                )
            if info.in_negative_look:
                return self.fail("backreference to a group inside a negative lookaround")
            if behind:
                return self.fail("backreference inside a lookbehind (ECMA-262 matches it backwards)")
            # a group that did not participate matches the empty string in ECMA-262 (fancy-regex
            # mis-evaluates named conditions, so its groups are numbered)
            if f == "python":
                return f"(?(g{n.index})(?P=g{n.index}))"
            return f"(?({n.index})\\k<{n.index}>)"
        if isinstance(n, Quant):
            if _width(n.atom) == 0:
                # An iteration that matches empty ends the loop (ECMA-262 RepeatMatcher), so a
                # zero-width atom (an Annex B quantified lookahead, an empty group) is matched once
                # if the minimum is positive and is skipped otherwise (its captures stay unset).
                if n.lo:
                    return self.node(n.atom, behind, open_groups)
                self.dropped |= _captures(n.atom)
                return "(?:)"
            atom = self.node(n.atom, behind, open_groups)
            if atom in ("", "(?:)") and not self.problems:
                return "(?:)"  # a backreference known to be empty
            if not isinstance(n.atom, (Char, CharClass, Dot, Group)) or not atom or atom == _PY_EMPTY:
                atom = f"(?:{atom})"
            lo, hi = n.lo, n.hi
            if lo >= _PY_MAXREPEAT:
                return self.fail(f"repetition count {lo} is too large")
            if hi is not None and hi >= _PY_MAXREPEAT:
                hi = None
                self.clamped = True
            if (lo, hi) == (0, None):
                q = "*"
            elif (lo, hi) == (1, None):
                q = "+"
            elif (lo, hi) == (0, 1):
                q = "?"
            elif hi is None:
                q = f"{{{lo},}}"
            elif lo == hi:
                q = f"{{{lo}}}"
            else:
                q = f"{{{lo},{hi}}}"
            return atom + q + ("?" if n.lazy else "")
        raise AssertionError(f"unknown node {n!r}")


@lru_cache(maxsize=4096)
def translate(pattern: str) -> Translation:
    """Parse an ECMA-262 ``pattern`` and render it for JavaScript, Python and Rust.

    Raises ``PatternError`` if the pattern is valid in neither the ``u``-mode nor the Annex B
    grammar (the error reported is the ``u``-mode one)."""
    if not isinstance(pattern, str):
        raise TypeError("pattern must be a str")
    notes: list[str] = []
    try:
        tree = parse(pattern, True)
        annex_b = False
    except PatternError as e:
        try:
            tree = parse(pattern, False)
        except PatternError:
            raise e from None
        annex_b = True
        notes.append(
            f"not valid with the u flag ({e.message} at offset {e.offset}): JavaScript uses the legacy "
            "Annex B grammar without flags, matching UTF-16 code units"
        )
    groups = _group_info(tree)
    pair_safe = _legacy_pair_safe(tree) if annex_b else set()
    py = _Renderer("python", annex_b, groups, pair_safe)
    python = py.run(tree)
    notes += [f"python: {p}" for p in py.problems]
    rs = _Renderer("rust", annex_b, groups, pair_safe)
    rust = rs.run(tree)
    notes += [f"rust: {p}" for p in rs.problems]
    rust_fancy = None
    if rust is None:
        fy = _Renderer("fancy", annex_b, groups, pair_safe)
        rust_fancy = fy.run(tree)
        notes += [f"rust_fancy: {p}" for p in fy.problems]
    if python is not None and py.used_gc:
        notes.append(
            f"python: \\p{{..}} General_Category sets are expanded from unicodedata (Unicode "
            f"{unicodedata.unidata_version}); JavaScript engines and the regex crate use their own Unicode version"
        )
    if py.clamped:
        notes.append("a repetition bound of 2**32-1 or more is treated as unbounded")
    return Translation(pattern, pattern, "" if annex_b else "u", python, rust, rust_fancy, tuple(notes))
