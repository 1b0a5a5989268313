"""counts of published case studies kept by triggers: per tag, and per supplier organisation

The case-study list's technology, topic and supplier facets counted every published case
study's links for each rendering (28 ms of SQL and 3,000 rows into Python at S10, ten times
S1), and a tag page counted its case studies (6 ms). The counts are now columns,
tag.published_case_studies and organisation.published_case_studies_supplied, kept by the
database itself in the same transaction as the change, whatever makes it: a link added or
taken away, a case study published, unpublished, archived or deleted (the ORM, bulk
statements and foreign-key cascades alike). The facets of the unfiltered list and a tag
page's total read them; filtered lists still count their own case studies.

Deleting a published case study: a BEFORE DELETE trigger takes its links off the counts
while they still exist; links removed by the cascade afterwards find it gone and change
nothing (and links the ORM removes first are taken off by the link trigger, leaving none).

A later migration that rebuilds case_study, case_study_tag, case_study_supplier, tag or
organisation on SQLite (batch mode's copy-and-move) drops their triggers with the old
table: it must create them again (tests/casestudies/test_published_counts.py would fail).

Revision ID: e4f5a6b7c812
Revises: d3e4f5a6b711
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4f5a6b7c812'
down_revision = 'd3e4f5a6b711'
branch_labels = None
depends_on = None

# (table counted for, its count column, the link table, the link's column to that table)
COUNTS = [
    ("tag", "published_case_studies", "case_study_tag", "tag_id"),
    ("organisation", "published_case_studies_supplied", "case_study_supplier", "organisation_id"),
]
PUBLISHED = "(SELECT 1 FROM case_study WHERE id = {row}.case_study_id AND status = 'published')"


def _sqlite(table: str, count: str, links: str, key: str) -> list[str]:
    def published(row: str) -> str:
        return PUBLISHED.format(row=row)

    return [
        f"""CREATE TRIGGER {table}_count_link_added AFTER INSERT ON {links}
        WHEN EXISTS {published('NEW')}
        BEGIN UPDATE {table} SET {count} = {count} + 1 WHERE id = NEW.{key}; END""",
        f"""CREATE TRIGGER {table}_count_link_removed AFTER DELETE ON {links}
        WHEN EXISTS {published('OLD')}
        BEGIN UPDATE {table} SET {count} = {count} - 1 WHERE id = OLD.{key}; END""",
        f"""CREATE TRIGGER {table}_count_link_changed AFTER UPDATE ON {links}
        BEGIN
            UPDATE {table} SET {count} = {count} - 1
            WHERE id = OLD.{key} AND EXISTS {published('OLD')};
            UPDATE {table} SET {count} = {count} + 1
            WHERE id = NEW.{key} AND EXISTS {published('NEW')};
        END""",
        f"""CREATE TRIGGER {table}_count_status_changed AFTER UPDATE OF status ON case_study
        WHEN (OLD.status = 'published') <> (NEW.status = 'published')
        BEGIN
            UPDATE {table}
            SET {count} = {count} + (CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)
            WHERE id IN (SELECT {key} FROM {links} WHERE case_study_id = NEW.id);
        END""",
        f"""CREATE TRIGGER {table}_count_case_study_deleted BEFORE DELETE ON case_study
        WHEN OLD.status = 'published'
        BEGIN
            UPDATE {table} SET {count} = {count} - 1
            WHERE id IN (SELECT {key} FROM {links} WHERE case_study_id = OLD.id);
        END""",
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_count_{name}"
        for name in (
            "link_added",
            "link_removed",
            "link_changed",
            "status_changed",
            "case_study_deleted",
        )
    ]


def _postgres(table: str, count: str, links: str, key: str) -> list[str]:
    def published(row: str) -> str:
        return PUBLISHED.format(row=row)

    return [
        f"""CREATE FUNCTION {table}_count_link() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE {table} SET {count} = {count} - 1
                WHERE id = OLD.{key} AND EXISTS {published('OLD')};
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                UPDATE {table} SET {count} = {count} + 1
                WHERE id = NEW.{key} AND EXISTS {published('NEW')};
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {table}_count_link AFTER INSERT OR UPDATE OR DELETE ON {links}
        FOR EACH ROW EXECUTE FUNCTION {table}_count_link()""",
        f"""CREATE FUNCTION {table}_count_case_study() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status = 'published' THEN
                    UPDATE {table} SET {count} = {count} - 1
                    WHERE id IN (SELECT {key} FROM {links} WHERE case_study_id = OLD.id);
                END IF;
                RETURN OLD;
            END IF;
            IF (OLD.status = 'published') <> (NEW.status = 'published') THEN
                UPDATE {table}
                SET {count} = {count} + (CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)
                WHERE id IN (SELECT {key} FROM {links} WHERE case_study_id = NEW.id);
            END IF;
            RETURN NEW;
        END $$""",
        f"""CREATE TRIGGER {table}_count_status_changed AFTER UPDATE OF status ON case_study
        FOR EACH ROW EXECUTE FUNCTION {table}_count_case_study()""",
        f"""CREATE TRIGGER {table}_count_case_study_deleted BEFORE DELETE ON case_study
        FOR EACH ROW EXECUTE FUNCTION {table}_count_case_study()""",
    ]


def _postgres_drop(table: str, links: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_count_link ON {links}",
        f"DROP TRIGGER IF EXISTS {table}_count_status_changed ON case_study",
        f"DROP TRIGGER IF EXISTS {table}_count_case_study_deleted ON case_study",
        f"DROP FUNCTION IF EXISTS {table}_count_link()",
        f"DROP FUNCTION IF EXISTS {table}_count_case_study()",
    ]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, count, links, key in COUNTS:
        # A plain ADD COLUMN: batch mode would rebuild the table on SQLite, which fails once
        # another migration's triggers name it.
        op.add_column(
            table, sa.Column(count, sa.Integer(), nullable=False, server_default=sa.text('0'))
        )
        op.execute(
            f"UPDATE {table} SET {count} = (SELECT count(*) FROM {links}"
            f" JOIN case_study ON case_study.id = {links}.case_study_id"
            f" WHERE {links}.{key} = {table}.id AND case_study.status = 'published')"
        )
        for statement in (_postgres if postgres else _sqlite)(table, count, links, key):
            op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, count, links, _key in reversed(COUNTS):
        for statement in _postgres_drop(table, links) if postgres else _sqlite_drop(table):
            op.execute(statement)
        op.execute(f"ALTER TABLE {table} DROP COLUMN {count}")  # SQLite 3.35 and later
