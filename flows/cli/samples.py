"""``pitboard samples serve``: the generated sample sites on fixed ports, until Ctrl-C.

The sites are the demo's (same seed, same default size), on the demo's ports, so the URLs a
README example or an earlier ``pitboard demo`` stored are the ones served again: a re-crawl
revalidates them instead of storing every page a second time under a new address.
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING

from flows.cli.arguments import port_number, positive_int
from flows.cli.common import UsageError

if TYPE_CHECKING:
    from flows.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    """Add this group's commands to ``sub``."""
    from flows.samples import SAMPLE_ARTICLES, SAMPLE_PORT

    p = sub.add_parser("samples", help="the built-in sample sites (serve them for crawls)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the sample sites on 127.0.0.1 until Ctrl-C",
        description="Serve sample-fr on 127.0.0.1:PORT and sample-en on PORT+1 until Ctrl-C: "
        "the sites `pitboard demo` crawls, at the same addresses.",
    )
    serve.add_argument(
        "--port",
        type=port_number,
        default=SAMPLE_PORT,
        help=f"sample-fr's port; sample-en gets the next one ({SAMPLE_PORT})",
    )
    serve.add_argument(
        "--articles",
        type=positive_int,
        default=SAMPLE_ARTICLES,
        help=f"articles per site ({SAMPLE_ARTICLES}, as the demo; at least 6)",
    )
    serve.set_defaults(func=cmd_samples_serve)


def cmd_samples_serve(args: argparse.Namespace) -> int:
    from flows.samples import SamplesUnavailable, serving_samples

    with ExitStack() as stack:
        try:
            served = stack.enter_context(serving_samples(args.articles, args.port))
        except SamplesUnavailable as exc:
            raise UsageError(str(exc)) from None
        for name, site in served.sites.items():
            print(f"{name:<10} {site.base_url}/")
        en = served.base_url("sample-en")
        print(f"try: pitboard run sample-en --base-url {en}   (Ctrl-C stops the sites)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("sample sites stopped")
    return 0
