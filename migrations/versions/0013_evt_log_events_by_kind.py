"""The log's events by kind, in log order

The home page's latest listings and removals (public_view.recent_events) are read once per
list state back from the log's end; without this index the read walked the log until it met
enough events of the kind, which for removals on a long list with few of them is most of the
log, once per list state in every worker.

Revision ID: 0013_evt
Revises: 0012_idx
Create Date: 2026-12-07 19:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_evt'
down_revision = '0012_idx'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_log_events_event_seq', 'log_events', ['event', 'seq'])


def downgrade():
    op.drop_index('ix_log_events_event_seq', table_name='log_events')
