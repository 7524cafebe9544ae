"""Indexes for reads of a few rows that went through whole tables

- a reviewer's queue: the listings flagged for review and the requests not yet decided (by
  due date), partial indexes holding only those rows;
- a subject's identifiers by subject: read for every entry replayed on its own (an entry
  page, a list state moved from another) and every approval, each of which read the whole
  identifiers table;
- a case's listings by case, when the case is corrected or revoked.

Revision ID: 0012_idx
Revises: 0011_rec
Create Date: 2026-12-07 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_idx'
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
    op.create_index('ix_subject_identifiers_subject_id', 'subject_identifiers', ['subject_id'])
    op.create_index('ix_listing_cases_case_id', 'listing_cases', ['case_id'])


def downgrade():
    op.drop_index('ix_listing_cases_case_id', table_name='listing_cases')
    op.drop_index('ix_subject_identifiers_subject_id', table_name='subject_identifiers')
    op.drop_index('ix_listing_requests_undecided', table_name='listing_requests')
    op.drop_index('ix_listings_review_flag', table_name='listings')
