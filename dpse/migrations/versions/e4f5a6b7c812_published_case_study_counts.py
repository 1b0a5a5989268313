"""tag.published_case_studies: how many published case studies carry each tag, kept by triggers

The case-study list's technology and topic facets counted every published case study's tags
for each rendering (21 ms of SQL and 3,000 rows into Python at S10, ten times S1), and a tag
page counted its case studies (6 ms). The count is now a column of the tag, kept by the
database itself, in the same transaction as the change, whatever makes it: a tag added to or
taken from a case study, a case study published, unpublished, archived or deleted (the ORM,
bulk inserts and foreign-key cascades alike). The facets of the unfiltered list and a tag
page's total read it; filtered lists still count their own case studies.

Deleting a published case study: a BEFORE DELETE trigger takes its tags off while its links
still exist; links removed by the cascade afterwards find it gone and change nothing (and
links the ORM removes first are taken off by the link trigger, leaving none for the other).

A later migration that rebuilds case_study, case_study_tag or tag on SQLite (batch mode's
copy-and-move) drops their triggers with the old table: it must create them again
(tests/casestudies/test_tag_counts.py would fail).

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

COUNT = "published_case_studies"
PUBLISHED = "(SELECT 1 FROM case_study WHERE id = {row}.case_study_id AND status = 'published')"

SQLITE = [
    f"""CREATE TRIGGER tag_count_link_added AFTER INSERT ON case_study_tag
    WHEN EXISTS {PUBLISHED.format(row='NEW')}
    BEGIN UPDATE tag SET {COUNT} = {COUNT} + 1 WHERE id = NEW.tag_id; END""",
    f"""CREATE TRIGGER tag_count_link_removed AFTER DELETE ON case_study_tag
    WHEN EXISTS {PUBLISHED.format(row='OLD')}
    BEGIN UPDATE tag SET {COUNT} = {COUNT} - 1 WHERE id = OLD.tag_id; END""",
    f"""CREATE TRIGGER tag_count_link_changed AFTER UPDATE ON case_study_tag
    BEGIN
        UPDATE tag SET {COUNT} = {COUNT} - 1
        WHERE id = OLD.tag_id AND EXISTS {PUBLISHED.format(row='OLD')};
        UPDATE tag SET {COUNT} = {COUNT} + 1
        WHERE id = NEW.tag_id AND EXISTS {PUBLISHED.format(row='NEW')};
    END""",
    f"""CREATE TRIGGER tag_count_status_changed AFTER UPDATE OF status ON case_study
    WHEN (OLD.status = 'published') <> (NEW.status = 'published')
    BEGIN
        UPDATE tag SET {COUNT} = {COUNT} + (CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)
        WHERE id IN (SELECT tag_id FROM case_study_tag WHERE case_study_id = NEW.id);
    END""",
    f"""CREATE TRIGGER tag_count_case_study_deleted BEFORE DELETE ON case_study
    WHEN OLD.status = 'published'
    BEGIN
        UPDATE tag SET {COUNT} = {COUNT} - 1
        WHERE id IN (SELECT tag_id FROM case_study_tag WHERE case_study_id = OLD.id);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tag_count_link_added",
    "DROP TRIGGER IF EXISTS tag_count_link_removed",
    "DROP TRIGGER IF EXISTS tag_count_link_changed",
    "DROP TRIGGER IF EXISTS tag_count_status_changed",
    "DROP TRIGGER IF EXISTS tag_count_case_study_deleted",
]

POSTGRES = [
    f"""CREATE FUNCTION tag_count_link() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE tag SET {COUNT} = {COUNT} - 1
            WHERE id = OLD.tag_id AND EXISTS {PUBLISHED.format(row='OLD')};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE tag SET {COUNT} = {COUNT} + 1
            WHERE id = NEW.tag_id AND EXISTS {PUBLISHED.format(row='NEW')};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER tag_count_link AFTER INSERT OR UPDATE OR DELETE ON case_study_tag
    FOR EACH ROW EXECUTE FUNCTION tag_count_link()""",
    f"""CREATE FUNCTION tag_count_case_study() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status = 'published' THEN
                UPDATE tag SET {COUNT} = {COUNT} - 1
                WHERE id IN (SELECT tag_id FROM case_study_tag WHERE case_study_id = OLD.id);
            END IF;
            RETURN OLD;
        END IF;
        IF (OLD.status = 'published') <> (NEW.status = 'published') THEN
            UPDATE tag
            SET {COUNT} = {COUNT} + (CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END)
            WHERE id IN (SELECT tag_id FROM case_study_tag WHERE case_study_id = NEW.id);
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER tag_count_status_changed AFTER UPDATE OF status ON case_study
    FOR EACH ROW EXECUTE FUNCTION tag_count_case_study()""",
    """CREATE TRIGGER tag_count_case_study_deleted BEFORE DELETE ON case_study
    FOR EACH ROW EXECUTE FUNCTION tag_count_case_study()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS tag_count_link ON case_study_tag",
    "DROP TRIGGER IF EXISTS tag_count_status_changed ON case_study",
    "DROP TRIGGER IF EXISTS tag_count_case_study_deleted ON case_study",
    "DROP FUNCTION IF EXISTS tag_count_link()",
    "DROP FUNCTION IF EXISTS tag_count_case_study()",
]


def upgrade():
    with op.batch_alter_table('tag', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(COUNT, sa.Integer(), nullable=False, server_default=sa.text('0'))
        )
    op.execute(
        f"UPDATE tag SET {COUNT} = (SELECT count(*) FROM case_study_tag"
        " JOIN case_study ON case_study.id = case_study_tag.case_study_id"
        " WHERE case_study_tag.tag_id = tag.id AND case_study.status = 'published')"
    )
    for statement in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    for statement in (
        POSTGRES_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP
    ):
        op.execute(statement)
    with op.batch_alter_table('tag', schema=None) as batch_op:
        batch_op.drop_column(COUNT)
