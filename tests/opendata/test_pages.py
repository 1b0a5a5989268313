"""/open-data and its download: the licence and contents explained, the ZIP served from the
instance folder with validators, and a clear answer before the first export."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from dpse.opendata.export import write_export

PAGE = "/open-data"
DOWNLOAD = "/open-data/dpse-open-data.zip"


def test_before_the_first_export_the_page_says_so_and_the_download_is_404(
    client: FlaskClient,
):
    page = client.get(PAGE)
    download = client.get(DOWNLOAD)

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "There is no download yet" in text
    assert DOWNLOAD not in text
    assert download.status_code == 404
    assert download.mimetype == "text/html"
    assert "There is no download yet" in download.get_data(as_text=True)


def test_the_page_explains_the_licence_and_offers_the_zip(client: FlaskClient, site):
    path, _ = write_export()

    text = client.get(PAGE).get_data(as_text=True)

    assert f'href="{DOWNLOAD}"' in text
    assert "Download all public content (ZIP," in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    assert ">CC BY 4.0</a>" in text
    assert "operated by Example Council, CC BY 4.0." in text
    assert "case_studies.csv" in text and "people.jsonl" in text
    assert "never an email address" in text
    assert "Generated on <time datetime=" in text


def test_the_licence_and_operator_come_from_configuration(app: Flask, client: FlaskClient, site):
    app.config["OPEN_DATA_LICENCE"] = "ODbL 1.0"
    app.config["OPEN_DATA_LICENCE_URL"] = "https://opendatacommons.org/licenses/odbl/1-0/"
    app.config["OPERATOR_NAME"] = "Northshire County Council"
    write_export()

    text = client.get(PAGE).get_data(as_text=True)

    assert '<a href="https://opendatacommons.org/licenses/odbl/1-0/">ODbL 1.0</a>' in text
    assert "operated by Northshire County Council, ODbL 1.0." in text


def test_the_download_is_the_file_with_validators(client: FlaskClient, site):
    path, _ = write_export()

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.get_data() == path.read_bytes()
    response.close()
    assert response.headers["Content-Disposition"] == "attachment; filename=dpse-open-data.zip"
    assert response.headers["ETag"]
    assert response.last_modified is not None
    again = client.get(DOWNLOAD, headers={"If-None-Match": response.headers["ETag"]})
    again.close()
    assert again.status_code == 304
    since = client.get(DOWNLOAD, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    since.close()
    assert since.status_code == 304


def test_the_api_page_links_to_the_open_data(client: FlaskClient):
    assert 'href="/open-data"' in client.get("/api").get_data(as_text=True)


def test_a_new_export_is_downloaded_again_not_answered_304(client: FlaskClient, site):
    write_export()
    first = client.get(DOWNLOAD)
    first.close()
    site.published.title = "Retitled since the last export"
    write_export()  # possibly within the same second

    again = client.get(DOWNLOAD, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    again.close()
