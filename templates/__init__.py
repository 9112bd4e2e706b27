"""Jinja templates of stepflow-codegen, one folder per target (shipped inside the wheel)."""
