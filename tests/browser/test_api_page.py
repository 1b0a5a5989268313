"""The API in a real browser: /api reads well (axe, 320 pixels wide), and a script on another
origin reads the JSON, a preflighted conditional request included (CORS)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from tests.casestudies.factories import make_case_study

AxeCheck = Callable[[Page], None]


def test_the_api_page_passes_axe_and_fits_320_pixels(
    new_page: Callable[..., Page], axe_check: AxeCheck
):
    page = new_page(viewport={"width": 320, "height": 800})
    page.goto("/api")
    expect(page.get_by_role("heading", level=1)).to_have_text("The exchange’s API")
    expect(page.get_by_role("link", name="OpenAPI 3.1 document")).to_be_visible()
    axe_check(page)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow


def test_a_script_on_another_origin_reads_the_api(
    new_page: Callable[..., Page], live_server: str, users: dict[str, User]
):
    make_case_study(users["member"], "published", title="Read from another site")
    # A page at http://localhost:<port> is another origin than http://127.0.0.1:<port>, where
    # the script fetches from. (bypass_csp: our own pages allow scripts no other origin.)
    page = new_page(bypass_csp=True)
    page.goto(live_server.replace("127.0.0.1", "localhost") + "/api")
    result = page.evaluate(
        """async (base) => {
            const first = await fetch(base + '/api/v1/case-studies');
            const body = await first.json();
            const etag = first.headers.get('ETag');
            const again = await fetch(base + '/api/v1/case-studies',
                                      {headers: {'If-None-Match': etag}});
            return {title: body.items[0].title, etag: etag, again: again.status};
        }""",
        live_server,
    )
    assert result["title"] == "Read from another site"
    assert result["etag"]
    assert result["again"] in (200, 304)  # the browser may answer from its own cache
