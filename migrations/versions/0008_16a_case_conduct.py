"""Determinations record the conduct they found; listings keep English measures and remedy

Revision ID: 0008_16a
Revises: 0008_17
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_16a'
down_revision = '0008_17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enforcement_cases') as batch_op:
        batch_op.add_column(sa.Column('conduct', sa.String(length=40), nullable=True))
    with op.batch_alter_table('listings') as batch_op:
        # Listings proposed before keep their English texts only in `measures` and `remedy`.
        batch_op.add_column(
            sa.Column('measures_en', sa.JSON(), nullable=False, server_default='[]')
        )
        batch_op.add_column(sa.Column('remedy_en', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('listings') as batch_op:
        batch_op.drop_column('remedy_en')
        batch_op.drop_column('measures_en')
    with op.batch_alter_table('enforcement_cases') as batch_op:
        batch_op.drop_column('conduct')
