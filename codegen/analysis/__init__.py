"""Shared analysis: decisions every target must share."""
