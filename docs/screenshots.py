"""The README's two pictures of the explorable report, taken from a built report in headless Chromium.

    .venv/bin/python docs/screenshots.py [outputs/muenster/2019]

1. docs/bilder/karte_interaktiv.png: the first interactive map (share with Migrationsvorgeschichte) with
   Coerde's tooltip, the year control and the view control;
2. docs/bilder/profil_coerde.png: the top of Coerde's area profile.
Offline like the report (every request that is not the file itself is refused). Run it after a change that
alters what the pictures show; the README names the report year they come from.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "bilder"
#: Münster's Stadtteil Coerde (data/muenster/areas.csv).
COERDE = "61"
#: A point inside an area of an interactive map (the centre of its box may lie in a neighbour); the browser
#: test uses the same script.
POINT_IN_AREA = """(label) => {
    const path = Array.from(document.querySelectorAll('.im-interaktiv svg path[aria-label]'))
        .find(p => p.getAttribute('aria-label').startsWith(label));
    if (!path) return null;
    const r = path.getBoundingClientRect();
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
        const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
        if (document.elementFromPoint(x, y) === path) return [x, y];
    }
    return null;
}"""


def _offline(route) -> None:
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def take(year_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    TARGET.mkdir(parents=True, exist_ok=True)
    made = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
        page.route("**/*", _offline)
        page.goto((year_dir / "report.html").resolve().as_uri(), wait_until="load")
        page.locator('img.figure[data-art="karte"]').first.scroll_into_view_if_needed()
        box = page.locator(".im-interaktiv.im-bereit").first
        box.locator("svg path[aria-label]").first.wait_for(timeout=20_000)
        box.scroll_into_view_if_needed()
        point = page.evaluate(POINT_IN_AREA, "Coerde:")
        if point is None:
            raise SystemExit("Coerde nicht auf der ersten interaktiven Karte gefunden.")
        page.mouse.move(*point)
        page.locator("#vg-tooltip-element").wait_for(state="visible", timeout=5_000)
        made.append(TARGET / "karte_interaktiv.png")
        box.screenshot(path=str(made[-1]))
        page.goto((year_dir / "profile" / f"{COERDE}.html").resolve().as_uri(), wait_until="load")
        made.append(TARGET / "profil_coerde.png")
        page.screenshot(path=str(made[-1]), clip={"x": 0, "y": 0, "width": 1100, "height": 900})
        browser.close()
    return made


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "outputs" / "muenster" / "2019"
    for path in take(folder):
        print(path.relative_to(ROOT))
