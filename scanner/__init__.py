"""maturity-scanner: grade technical operations against YD/T 1756-4 and AWS WA OPS."""

__all__ = ["__version__"]

__version__ = "0.1.0"
