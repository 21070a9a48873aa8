"""Firms, their assessments, denormalised results and consents.

Reviewed by hand: names follow the MetaData naming convention; the result table is indexed on
the dashboard filters (industry, region, size band, quarter).

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:05:03.225095

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('firm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('industry', sa.String(length=3), nullable=True),
    sa.Column('region', sa.String(length=20), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('annual_sales_mkrw', sa.Integer(), nullable=True),
    sa.Column('founded_year', sa.Integer(), nullable=True),
    sa.Column('ceo_age', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm'))
    )
    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('resume_token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_assessment_status')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_assessment_revision_positive')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_assessment_firm_id_firm')),
    sa.ForeignKeyConstraint(['previous_id'], ['assessment.id'], name=op.f('fk_assessment_previous_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('resume_token_hash', name=op.f('uq_assessment_resume_token_hash'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_firm_id'), ['firm_id'], unique=False)

    op.create_table('assessment_result',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('industry', sa.String(length=3), nullable=True),
    sa.Column('region', sa.String(length=20), nullable=True),
    sa.Column('size_band', sa.String(length=16), nullable=True),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('overall', sa.Float(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('dx_ax', sa.Float(), nullable=True),
    sa.Column('roi', sa.Float(), nullable=True),
    sa.Column('infra', sa.Float(), nullable=True),
    sa.Column('export', sa.Float(), nullable=True),
    sa.Column('succession', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_result_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_assessment_result'))
    )
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_result_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_result_quarter'), ['quarter'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_result_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_result_size_band'), ['size_band'], unique=False)

    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('text_version', sa.String(length=16), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_consent_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_assessment_id'), ['assessment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_assessment_id'))

    op.drop_table('consent')
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_result_size_band'))
        batch_op.drop_index(batch_op.f('ix_assessment_result_region'))
        batch_op.drop_index(batch_op.f('ix_assessment_result_quarter'))
        batch_op.drop_index(batch_op.f('ix_assessment_result_industry'))

    op.drop_table('assessment_result')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_firm_id'))

    op.drop_table('assessment')
    op.drop_table('firm')
