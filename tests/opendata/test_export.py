"""The ZIP itself: every file and the dictionary, CSV and JSON Lines agreeing, only what a
signed-out visitor sees, never an email address, written in batches and swapped in whole."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.opendata import export as export_module
from dpse.opendata import table as table_module
from dpse.opendata.export import DICTIONARY, FILENAME, write_export
from dpse.opendata.table import Table
from dpse.opendata.tables import TABLES
from tests.casestudies.factories import make_case_study


def _csv_value(value: object) -> str:
    """What a JSON Lines value looks like in the CSV file."""
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def test_zip_holds_both_files_of_every_table_and_the_dictionary(site, read_zip, instance):
    path, counts = write_export()

    assert path == instance / FILENAME
    files = read_zip(path)
    expected = {f"{t.name}.{ext}" for t in TABLES for ext in ("csv", "jsonl")} | {DICTIONARY}
    assert set(files) == expected
    assert set(counts) == {t.name for t in TABLES}
    dictionary = files[DICTIONARY]
    for table in TABLES:
        assert f"## {table.name}.csv, {table.name}.jsonl" in dictionary
        for column in table.columns:
            assert f"| {column.name} | {column.type} |" in dictionary
    assert "Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)" in dictionary
    assert "operated by Example Council" in dictionary  # DPSE_OPERATOR_NAME's default
    assert "| outcome | text, one of: success, mixed, failure, ongoing |" in dictionary
    generated = datetime.fromisoformat(dictionary.split("Generated at ", 1)[1].split(".\n")[0])
    assert generated.utcoffset() is not None
    with zipfile.ZipFile(path) as archive:  # each file dated with the export, not 1980
        assert {info.date_time[:3] for info in archive.infolist()} == {
            (generated.year, generated.month, generated.day)
        }


def test_the_configured_licence_is_named_in_the_dictionary(app: Flask, site, read_zip):
    app.config["OPEN_DATA_LICENCE"] = "Open Government Licence v3.0"
    app.config["OPEN_DATA_LICENCE_URL"] = "https://www.nationalarchives.gov.uk/doc/ogl/"

    files = read_zip(write_export()[0])

    expected = "Licence: Open Government Licence v3.0 (https://www.nationalarchives.gov.uk/"
    assert expected in files[DICTIONARY]


def test_csv_and_json_lines_hold_the_same_rows_and_columns(site, read_zip, jsonl_rows):
    files = read_zip(write_export()[0])

    for table in TABLES:
        names = [c.name for c in table.columns]
        reader = csv.reader(io.StringIO(files[f"{table.name}.csv"], newline=""))
        header, *csv_rows = list(reader)
        json_rows = jsonl_rows(files[f"{table.name}.jsonl"])
        assert header == names, table.name
        assert json_rows, f"{table.name} is empty: the test's site has some of each"
        assert [list(row) for row in json_rows] == [names] * len(json_rows)
        assert csv_rows == [[_csv_value(row[n]) for n in names] for row in json_rows]


def test_texts_come_as_markdown_and_stored_html_and_times_with_an_offset(
    site, read_zip, jsonl_rows
):
    files = read_zip(write_export()[0])

    studies = {r["slug"]: r for r in jsonl_rows(files["case_studies.jsonl"])}
    row = studies[site.published.slug]
    assert row["what_we_built_markdown"] == "A **LocalGov Drupal** site."
    assert row["what_we_built_html"] == site.published.what_we_built_html
    assert "<strong>LocalGov Drupal</strong>" in row["what_we_built_html"]
    assert datetime.fromisoformat(row["published_at"]).utcoffset() is not None
    assert "drupal" in row["tags"]
    event = jsonl_rows(files["events.jsonl"])[0]
    assert datetime.fromisoformat(event["starts_at"]).utcoffset() is not None
    people = {r["handle"]: r for r in jsonl_rows(files["people.jsonl"])}
    assert people[site.author.handle]["bio_markdown"] == "I run the **digital** team."


def test_nothing_a_signed_out_visitor_cannot_see_is_in_the_zip(site, read_zip, jsonl_rows):
    files = read_zip(write_export()[0])
    everything = "\n".join(files.values())

    def values(table: str, key: str) -> set[object]:
        return {row[key] for row in jsonl_rows(files[f"{table}.jsonl"])}

    assert values("case_studies", "slug") == {site.published.slug, site.archived.slug}
    for hidden in (site.draft, site.submitted):
        assert hidden.title not in everything
    assert values("events", "slug") == {site.event.slug}
    assert values("forum_threads", "id") == {site.thread.id}
    assert site.held_thread.title not in everything
    post_ids = values("forum_posts", "id")
    assert site.visible_reply.id in post_ids
    assert not post_ids & {site.hidden_reply.id, site.held_reply.id}
    assert "Reply number 1" not in everything  # hidden
    assert "Reply number 2" not in everything  # held
    assert site.approved_org.slug in values("organisations", "slug")
    assert site.pending_org.slug not in everything
    assert "Pending Borough Council" not in everything
    handles = values("people", "handle")
    assert site.author.handle in handles
    assert site.deactivated.handle not in handles
    pending_row = next(
        r for r in jsonl_rows(files["people.jsonl"]) if r["handle"] == site.pending_member.handle
    )
    assert pending_row["organisation"] is None  # its organisation waits for approval


def test_no_email_address_is_anywhere_in_the_zip(site, read_zip):
    files = read_zip(write_export()[0])
    everything = "\n".join(files.values()).lower()

    emails = list(db.session.scalars(select(User.email)))
    assert len(emails) > 5
    for email in emails:
        assert email.lower() not in everything
    assert "email" not in {c.name for t in TABLES for c in t.columns}


def test_rows_are_read_in_batches_each_exactly_once(
    app: Flask, users, read_zip, jsonl_rows, monkeypatch: pytest.MonkeyPatch, count_queries
):
    made = [make_case_study(users["member"], "published", title=f"Story {n}") for n in range(7)]
    monkeypatch.setattr(table_module, "BATCH", 2)

    with count_queries() as small_batches:
        files = read_zip(write_export()[0])

    ids = [r["id"] for r in jsonl_rows(files["case_studies.jsonl"])]
    assert ids == sorted(cs.id for cs in made)
    monkeypatch.setattr(table_module, "BATCH", 500)
    with count_queries() as one_batch:
        write_export()
    # Four batches of case studies instead of one, each with its few eager loads: more
    # statements, but a bounded number per batch, never one per row.
    assert small_batches.count > one_batch.count
    assert small_batches.count - one_batch.count <= 3 * 8


def test_a_failed_export_leaves_the_last_one_in_place_and_no_temporary_file(
    site, read_zip, instance: Path, monkeypatch: pytest.MonkeyPatch
):
    path, _ = write_export()
    before = path.read_bytes()

    def broken(_row: object) -> dict[str, object]:
        raise RuntimeError("the database went away")

    first = TABLES[0]
    failing = Table(first.name, first.description, first.columns, first.statement, broken)
    monkeypatch.setattr(export_module, "TABLES", (failing, *TABLES[1:]))
    with pytest.raises(RuntimeError):
        write_export()

    assert path.read_bytes() == before
    assert sorted(p.name for p in instance.iterdir()) == [FILENAME]
