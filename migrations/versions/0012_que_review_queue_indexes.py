"""Partial indexes for a reviewer's queue: flagged listings, requests awaiting a decision

The queue lists the listings flagged for review and the requests not yet decided, by due
date; both are few however long the list, and each index holds only those rows, so the queue
no longer reads every listing and every request.

Revision ID: 0012_que
Revises: 0011_rec
Create Date: 2026-12-07 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_que'
down_revision = '0011_rec'
branch_labels = None
depends_on = None

FLAGGED = sa.text('review_flag IS NOT NULL')
UNDECIDED = sa.text('decision IS NULL')


def upgrade():
    op.create_index(
        'ix_listings_review_flag', 'listings', ['id'],
        sqlite_where=FLAGGED, postgresql_where=FLAGGED,
    )
    op.create_index(
        'ix_listing_requests_undecided', 'listing_requests', ['decision_due', 'id'],
        sqlite_where=UNDECIDED, postgresql_where=UNDECIDED,
    )


def downgrade():
    op.drop_index('ix_listing_requests_undecided', table_name='listing_requests')
    op.drop_index('ix_listings_review_flag', table_name='listings')
