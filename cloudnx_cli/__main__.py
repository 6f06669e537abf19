"""``python -m cloudnx_cli``: the same as the ``cloudnx`` console script."""

from __future__ import annotations

import sys

from cloudnx_cli.main import main

sys.exit(main())
