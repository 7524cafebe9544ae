"""An index of log events by the time they were recorded

A list state for another day is moved from a kept one by reading the entries with an event
recorded after the earlier day ended (registry.publication.as_of.changed_since): the index
keeps that a read of the few events since, however long the log.

Revision ID: 0011_rec
Revises: 0010_due
Create Date: 2026-12-07 14:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_rec'
down_revision = '0010_due'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_log_events_recorded_at', 'log_events', ['recorded_at'])


def downgrade():
    op.drop_index('ix_log_events_recorded_at', table_name='log_events')
