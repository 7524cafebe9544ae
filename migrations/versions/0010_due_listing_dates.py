"""Indexes for the listings a publication run expires or purges

Revision ID: 0010_due
Revises: 0010_ntf
Create Date: 2026-12-06 17:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_due'
down_revision = '0010_ntf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_listings_state_period_end', 'listings', ['state', 'period_end'])
    op.create_index('ix_listings_state_ended_on', 'listings', ['state', 'ended_on'])


def downgrade():
    op.drop_index('ix_listings_state_ended_on', table_name='listings')
    op.drop_index('ix_listings_state_period_end', table_name='listings')
