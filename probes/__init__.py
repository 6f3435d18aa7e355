"""Built-in probes, one package per evidence source; registered under `maturity.probes`."""
