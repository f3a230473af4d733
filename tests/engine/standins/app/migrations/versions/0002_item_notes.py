"""A column more (image 1.1.0): an image bump that changes the schema."""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.execute("ALTER TABLE items ADD COLUMN note text")


def downgrade():
    op.execute("ALTER TABLE items DROP COLUMN note")
