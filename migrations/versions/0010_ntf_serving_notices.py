"""PostgreSQL notifications of commits that change the serving version

Revision ID: 0010_ntf
Revises: 0009_rev
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa

from registry.models import change_notices


# revision identifiers, used by Alembic.
revision = '0010_ntf'
down_revision = '0009_rev'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in change_notices.create_statements():
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in change_notices.drop_statements():
            op.execute(sa.text(statement))
