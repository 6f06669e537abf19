"""The kill-matrix runner (``python -m killmatrix.matrix``): every variant of the fault target against the suite,
plain schemathesis and Locust, judged by the mutation-testing rule.

It drives the fault target (``killmatrix.app``, ``killmatrix.variants``) from outside, as subprocesses on loopback
ports they bind themselves; the target never imports the runner.
"""
