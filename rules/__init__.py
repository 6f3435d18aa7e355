"""Declarative rules (YAML), one folder per evidence source; see docs/rules.md."""
