"""The fault-injection target: the reference server behind a wrapper that breaks exactly one rule per variant.

``python -m killmatrix.serve --variant NAME --port N`` serves it; ``killmatrix.app.build(NAME)`` returns the
ASGI app for in-process use. ``killmatrix.variants.VARIANTS`` lists every variant with the check ids that must
catch it (issue 7; brief §7).
"""
