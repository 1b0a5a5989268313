"""`dpse open-data export`: a progress bar while it writes, a summary line, and a one-line
error when the instance folder cannot take the file."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from dpse.cli import cli
from dpse.opendata.export import FILENAME

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_writes_the_zip_with_a_progress_bar(site, instance: Path):
    result = CliRunner().invoke(cli, ["open-data", "export"])

    assert result.exit_code == 0, result.output
    assert "Exporting open data" in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Wrote ") and "row(s) in 8 table(s)" in last
    assert last.endswith(str(instance / FILENAME))
    with zipfile.ZipFile(instance / FILENAME) as archive:
        assert "README.md" in archive.namelist()


def test_a_second_run_replaces_the_first(site, instance: Path):
    runner = CliRunner()
    assert runner.invoke(cli, ["open-data", "export"]).exit_code == 0
    site.draft.title = "Changed"
    assert runner.invoke(cli, ["open-data", "export"]).exit_code == 0

    assert sorted(p.name for p in instance.iterdir()) == [FILENAME]


@pytest.mark.parametrize("problem", ["missing", "a file"])
def test_an_unwritable_instance_folder_is_a_one_line_error(
    app: Flask, site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
):
    folder = tmp_path / "elsewhere"
    if problem == "a file":
        folder.write_text("not a folder")
    monkeypatch.setattr(app, "instance_path", str(folder))

    result = CliRunner().invoke(cli, ["open-data", "export"])

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot write the open-data export: {folder} is not writable"
    ]


def test_cron_on_several_hosts_at_once_leaves_one_whole_zip(app: Flask, site, instance: Path):
    """Hosts sharing the instance folder run the command at the same moment: each writes its
    own temporary file and swaps it in, so the last one wins, whole."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DPSE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DPSE_INSTANCE_PATH": str(instance),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dpse", "open-data", "export"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    for proc in procs:
        output = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, output

    assert (instance / FILENAME).is_file()
    assert not [p.name for p in instance.iterdir() if p.name.startswith(".open-data-")]
    with zipfile.ZipFile(instance / FILENAME) as archive:
        assert archive.testzip() is None
        assert site.published.title in archive.read("case_studies.csv").decode()
