"""A migration that fails (image 1.2.0): the `up` must fail and leave the old backend serving."""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.execute("ALTER TABLE no_such_table ADD COLUMN x int")


def downgrade():
    pass
