"""The conformance checks: property-based (test_properties.py) and hand-written protocol checks (the rest)."""
