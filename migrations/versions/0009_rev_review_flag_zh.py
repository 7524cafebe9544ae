"""The Chinese of a listing's needs-review note

Revision ID: 0009_rev
Revises: 0009_lkp
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_rev'
down_revision = '0009_lkp'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listings') as batch_op:
        batch_op.add_column(sa.Column('review_flag_zh', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('listings') as batch_op:
        batch_op.drop_column('review_flag_zh')
