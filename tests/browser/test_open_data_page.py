"""/open-data in a real browser: it reads well before and after the first export (axe, 320
pixels wide), and its link downloads the ZIP."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from dpse.opendata.export import export_path, write_export
from tests.casestudies.factories import make_case_study

AxeCheck = Callable[[Page], None]


@pytest.fixture
def no_export() -> Iterator[Path]:
    """The run's instance folder without an open-data ZIP, before and after the test."""
    path = export_path()
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def _fits(page: Page) -> None:
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_the_open_data_page_reads_well_and_downloads_the_zip(
    new_page: Callable[..., Page],
    axe_check: AxeCheck,
    users: dict[str, User],
    no_export: Path,
    tmp_path: Path,
):
    page = new_page(viewport={"width": 320, "height": 800})
    page.goto("/open-data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_text("There is no download yet")).to_be_visible()
    axe_check(page)
    _fits(page)

    make_case_study(users["member"], "published", title="Shared as open data")
    write_export()
    page.goto("/open-data")
    link = page.get_by_role("link", name="Download all public content")
    expect(page.get_by_role("link", name="CC BY 4.0")).to_be_visible()
    axe_check(page)
    _fits(page)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "dpse-open-data.zip"
    saved = tmp_path / "saved.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "Shared as open data" in archive.read("case_studies.csv").decode()
