"""Determinations by CNIPA or a provincial office record the conduct they found (issue #16)

Revision ID: 0008_16a
Revises: 0007
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_16a'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enforcement_cases') as batch_op:
        batch_op.add_column(sa.Column('conduct', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('enforcement_cases') as batch_op:
        batch_op.drop_column('conduct')
