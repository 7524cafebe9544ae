"""Publication runs started from the console, with their steps so far

Revision ID: 0009_doc
Revises: 0008_18
Create Date: 2026-12-06 14:40:00

"""
from alembic import op
import sqlalchemy as sa

import registry.models


# revision identifiers, used by Alembic.
revision = '0009_doc'
down_revision = '0008_18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publish_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', registry.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', registry.models.UTCDateTime(), nullable=False),
    sa.Column('finished_at', registry.models.UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.String(length=10), nullable=True),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_runs')),
    sa.UniqueConstraint('slot', name=op.f('uq_publish_runs_slot'))
    )


def downgrade():
    op.drop_table('publish_runs')
