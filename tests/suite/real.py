"""Real schemas with real documents (tests/fixtures/real/); see docs/conformance.md."""

from __future__ import annotations


def real_sets() -> list:
    return []
