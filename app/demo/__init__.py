"""The demo region: a synthetic Dukcapil and DTKS registry of Gorontalo province, imported through the normal
import path into an encrypted office database, plus sample extracts for learning to import.

`ejps demo` (cli.cmd_demo) calls `ensure_demo_key()` then `build_demo(...)`.
"""

from app.demo.build import (
    DEMO_ADMIN,
    DEMO_GUEST,
    DEMO_OPERATOR,
    DEMO_PASSPHRASE,
    DEMO_PASSWORD,
    DemoSummary,
    build_demo,
    ensure_demo_key,
)

__all__ = [
    "DEMO_ADMIN",
    "DEMO_GUEST",
    "DEMO_OPERATOR",
    "DEMO_PASSPHRASE",
    "DEMO_PASSWORD",
    "DemoSummary",
    "build_demo",
    "ensure_demo_key",
]
