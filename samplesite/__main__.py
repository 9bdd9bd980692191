"""``python -m samplesite --articles 50 [--port N]``: serve the sample sites until Ctrl-C.

For people, ``pitboard samples serve`` serves the demo's sites on the demo's ports; this entry
point is the generator's own, with its seed and edition.
"""

from __future__ import annotations

import argparse
import time

from samplesite.server import serve_sample_sites


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m samplesite", description="Serve the Pitboard sample news sites."
    )
    parser.add_argument("--articles", type=int, default=200, help="native articles per site")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--edition", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="sample-fr's port, sample-en the next (default: free)",
    )
    args = parser.parse_args(argv)
    with serve_sample_sites(articles=args.articles, seed=args.seed, port=args.port) as served:
        served.set_edition(args.edition)
        for name, site in served.sites.items():
            print(f"{name:10} {site.style.title:16} {site.base_url}/")
            for path in (site.robots_path, *site.start_paths[1:]):
                print(f"{'':28}{site.url(path)}")
        print("Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
