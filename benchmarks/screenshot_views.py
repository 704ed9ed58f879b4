"""Screenshots of the views over a real index, for docs/screenshots/.

Usage:
    python -m benchmarks.screenshot_views --index DIR [--out docs/screenshots]

Serves the app over ``--index`` with waitress on 127.0.0.1 and photographs, in Debian's
Chromium (Playwright): an actor page, a country page (a historical code), the search
page's who-with-whom graph and a comparison. Pages are chosen for Reuters-21578.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from urllib.parse import quote

from search.settings import Settings
from web import create_app

CHROMIUM = "/usr/bin/chromium"
SHOTS = (
    ("actor.png", "/actors/" + quote("Ronald Reagan"), None),
    ("country.png", "/countries/SU", None),
    ("network.png", "/?q=oil", ".network"),
    ("compare.png", "/compare?q=oil&q=gold&actor=" + quote("James Baker"), None),
)


def main(argv: list[str] | None = None) -> None:
    """Serve, photograph, stop."""
    from playwright.sync_api import sync_playwright
    from waitress.server import create_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app({"SETTINGS": Settings(index_dir=args.index)})
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, path, element in SHOTS:
                page.goto(base + path)
                target = args.out / name
                if element:
                    page.locator(element).screenshot(path=str(target))
                else:
                    page.screenshot(path=str(target), full_page=True)
                print(f"{target}: {path}")
            browser.close()
    finally:
        server.close()


if __name__ == "__main__":
    main()
