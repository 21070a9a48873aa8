"""Consultancies' clients: firms kept by a consultancy (and archived), assessments filled on a
client's behalf or withdrawn from the consultancy's sight, invitations, notes, branding.

Reviewed by hand: new tables and nullable columns only; existing firms stay firms of their own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:09:20.692662

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) <= 2000', name=op.f('ck_assessment_note_text_length')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_note_assessment_id_assessment')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_assessment_note_author_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_note')),
    sa.UniqueConstraint('assessment_id', 'dimension', name='one_per_dimension')
    )
    with op.batch_alter_table('assessment_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_note_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_invitation_assessment_id_assessment')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_invitation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_invitation_firm_id_firm')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consultancy_revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assessment_created_by_id_user_account'), 'user_account', ['created_by_id'], ['id'])

    with op.batch_alter_table('firm', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_firm_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_firm_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'])

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('accent_colour', sa.String(length=7), nullable=True))



def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('accent_colour')
        batch_op.drop_column('logo_png')

    with op.batch_alter_table('firm', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_firm_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_firm_organisation_id'))
        batch_op.drop_column('archived_at')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessment_created_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('consultancy_revoked_at')
        batch_op.drop_column('created_by_id')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_firm_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('assessment_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_note_assessment_id'))

    op.drop_table('assessment_note')
