"""The maturity models as data (YAML); see docs/catalog.md. Shipped as package data."""
