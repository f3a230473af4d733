"""The rows the backend reads and writes (image 1.0.0)."""
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.execute("CREATE TABLE items (id serial PRIMARY KEY, value text NOT NULL)")


def downgrade():
    op.execute("DROP TABLE items")
