"""Partial indexes for the serving version every lookup reads

Revision ID: 0009_lkp
Revises: 0009_doc
Create Date: 2026-12-06 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_lkp'
down_revision = '0009_doc'
branch_labels = None
depends_on = None

PURGED = sa.text("purged_at IS NOT NULL")
REMOVED = sa.text("removed_at IS NOT NULL")
PENDING = sa.text("kind = 'removal' AND decision IS NULL")


def upgrade():
    op.create_index(
        'ix_entry_revisions_purged', 'entry_revisions', ['purged_at'],
        sqlite_where=PURGED, postgresql_where=PURGED,
    )
    op.create_index(
        'ix_responsible_persons_removed', 'responsible_persons', ['removed_at'],
        sqlite_where=REMOVED, postgresql_where=REMOVED,
    )
    op.create_index(
        'ix_listing_requests_pending_removal', 'listing_requests', ['id'],
        sqlite_where=PENDING, postgresql_where=PENDING,
    )


def downgrade():
    op.drop_index('ix_listing_requests_pending_removal', table_name='listing_requests')
    op.drop_index('ix_responsible_persons_removed', table_name='responsible_persons')
    op.drop_index('ix_entry_revisions_purged', table_name='entry_revisions')
