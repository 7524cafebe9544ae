"""A correction request remembers the revision that published it (issue #17)

Revision ID: 0008_17
Revises: 0007
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_17'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listing_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_revision', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('listing_requests', schema=None) as batch_op:
        batch_op.drop_column('published_revision')
