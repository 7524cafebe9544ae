"""Sign-in throttling per account name and client address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00

"""
from alembic import op
import sqlalchemy as sa

import registry.models


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('retry_after', registry.models.UTCDateTime(), nullable=True),
    sa.Column('last_failure_at', registry.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )


def downgrade():
    op.drop_table('login_throttles')
