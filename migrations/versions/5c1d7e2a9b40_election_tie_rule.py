"""the election's tie rule, the first of its counting rules

Revision ID: 5c1d7e2a9b40
Revises: b858edaccead
Create Date: 2026-12-01 09:00:00.000000

Every election opened before this revision was counted by the one rule the app had:
earlier rounds first, then a lot. The server default gives existing rows that rule, so
their recounts and the verifier agree with what was published.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d7e2a9b40'
down_revision = 'b858edaccead'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('election', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tie_rule', sa.String(length=16), server_default='earlier-rounds', nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_election_tie_rule'), "tie_rule IN ('earlier-rounds', 'lot', 'runoff')"
        )


def downgrade():
    with op.batch_alter_table('election', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_election_tie_rule'), type_='check')
        batch_op.drop_column('tie_rule')
