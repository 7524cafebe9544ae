"""Requests: the revision that published a correction, a restoration's evidence

Revision ID: 0008_17
Revises: 0008_16b
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_17'
down_revision = '0008_16b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listing_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('listing_requests', schema=None) as batch_op:
        batch_op.drop_column('details')
        batch_op.drop_column('published_revision')
