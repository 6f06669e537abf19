"""The fault-injection target and, in ``killmatrix.matrix``, the runner that judges the suite against it.

The target is the reference server behind a wrapper that breaks exactly one rule per variant:
``python -m killmatrix.serve --variant NAME --port N`` (or ``killmatrix.matrix_serve``, on a port it binds
itself) serves it; ``killmatrix.app.build(NAME)`` returns the ASGI app for in-process use;
``killmatrix.variants.VARIANTS`` lists every variant with the check ids that must catch it. The runner
(``python -m killmatrix.matrix``) starts variants as subprocesses; the target never imports it.
"""
