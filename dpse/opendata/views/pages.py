"""What the open data is and its licence, and the ZIP itself, served from the instance folder
(an export is written by `dpse open-data export`, never inside a request)."""

from __future__ import annotations

from flask import render_template, send_file
from werkzeug.wrappers import Response

from dpse.opendata.export import FILENAME, attribution, licence
from dpse.opendata.queries import published_export
from dpse.opendata.tables import TABLES
from dpse.opendata.views import bp


def _page(status: int = 200) -> tuple[str, int]:
    name, url = licence()
    return (
        render_template(
            "opendata/index.html",
            export=published_export(),
            licence_name=name,
            licence_url=url,
            attribution=attribution(),
            tables=TABLES,
            filename=FILENAME,
            missing=status == 404,
        ),
        status,
    )


@bp.route("/open-data")
def index() -> tuple[str, int]:
    """The licence, what the ZIP holds, when it was generated and how big it is."""
    return _page()


@bp.route(f"/open-data/{FILENAME}")
def download() -> Response | tuple[str, int]:
    """The ZIP, with ETag and Last-Modified (conditional GETs answer 304); before the first
    export, the page again with a 404 saying there is none yet."""
    export = published_export()
    if export is None:
        return _page(404)
    return send_file(
        export.path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=FILENAME,
        conditional=True,
        etag=True,
        last_modified=export.generated_at,
        max_age=3600,
    )
