"""The Python target's copies of textwrap (``escape.dedent``, ``escape.fill_words``) give what
textwrap gives; a generation run does not import textwrap (its import compiles TextWrapper's
patterns)."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st
from stepflow_codegen.targets.python.escape import dedent, fill_words

_TEXT = st.text(alphabet=st.sampled_from(list("ab \t\n-.\u2028\xa0\x1c\x0bé")), max_size=60)


@settings(max_examples=3000, deadline=None)
@given(text=_TEXT)
def test_dedent_is_textwraps(text: str) -> None:
    assert dedent(text) == textwrap.dedent(text)


@settings(max_examples=3000, deadline=None)
@given(text=_TEXT, width=st.integers(1, 30))
def test_fill_words_is_textwraps(text: str, width: int) -> None:
    words = " ".join(text.split())  # what the caller passes
    assert fill_words(words, width) == textwrap.fill(words, width=width, break_long_words=False, break_on_hyphens=False)


def test_examples() -> None:
    assert dedent("  a\n    b\n\t\n  c") == "a\n  b\n\nc"
    long = "x" * 90
    text = f"The method {long} takes a-very-long-hyphenated-word and more words to wrap around."
    assert fill_words(text, 72) == textwrap.fill(text, width=72, break_long_words=False, break_on_hyphens=False)
    assert "\n" in fill_words(text, 72)
