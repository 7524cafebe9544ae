"""Responsible persons of organisation subjects; decisions reported to the national platform

Revision ID: 0008_16b
Revises: 0007
Create Date: 2026-12-06 11:40:00

"""
from alembic import op
import sqlalchemy as sa

import registry.models


# revision identifiers, used by Alembic.
revision = '0008_16b'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('responsible_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('scheme_name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('created_at', registry.models.UTCDateTime(), nullable=False),
    sa.Column('removed_at', registry.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_responsible_persons_subject_id_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responsible_persons'))
    )
    with op.batch_alter_table('responsible_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responsible_persons_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_responsible_persons_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responsible_persons_value'), ['value'], unique=False)

    op.create_table('national_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.String(length=20), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('exported_at', registry.models.UTCDateTime(), nullable=True),
    sa.Column('export_file', sa.String(length=100), nullable=True),
    sa.Column('export_tree_size', sa.Integer(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('reported_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_national_reports')),
    sa.UniqueConstraint('entry_id', 'event', name=op.f('uq_national_reports_entry_id'))
    )
    with op.batch_alter_table('national_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_national_reports_entry_id'), ['entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('national_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_national_reports_entry_id'))
    op.drop_table('national_reports')
    with op.batch_alter_table('responsible_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responsible_persons_value'))
        batch_op.drop_index(batch_op.f('ix_responsible_persons_subject_id'))
        batch_op.drop_index(batch_op.f('ix_responsible_persons_name'))
    op.drop_table('responsible_persons')
