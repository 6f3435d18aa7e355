"""The bundled sandbox estate that `maturity demo` starts and scans."""
