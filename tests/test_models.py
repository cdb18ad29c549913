"""shortener/models.py: what the schema itself guarantees."""

import pytest
from sqlalchemy import delete, func, select

from shortener.accounts.models import UserSession
from shortener.api.models import ApiToken
from shortener.extensions import db
from shortener.links.models import Link, LinkImport
from shortener.timeutil import utcnow

# The tables whose ids appear in URLs (/links/<id>, /imports/<id>, the token and session pages)
# or in API answers: a bookmarked or cached id must never name another row later.
NEW_ROWS = {
    Link: lambda owner, n: Link(owner_id=owner, slug=f"s{n}", target_url="https://example.com/"),
    LinkImport: lambda owner, n: LinkImport(owner_id=owner, filename="a.csv", csv_text="target\n", report=[]),
    ApiToken: lambda owner, n: ApiToken(owner_id=owner, name="t", token_hash=f"{n:064d}"),
    UserSession: lambda owner, n: UserSession(user_id=owner, token_hash=f"{n:064d}", last_seen_at=utcnow()),
}


@pytest.mark.parametrize("model", list(NEW_ROWS), ids=lambda model: model.__tablename__)
def test_the_id_of_a_deleted_row_is_never_used_again(app, auth, model):
    owner = auth.create_user("alice")
    with app.app_context():
        rows = [NEW_ROWS[model](owner, n) for n in (1, 2)]
        db.session.add_all(rows)
        db.session.commit()
        highest = max(row.id for row in rows)
        db.session.execute(delete(model).where(model.id == highest))
        db.session.commit()
        assert db.session.scalar(select(func.max(model.id))) < highest
        row = NEW_ROWS[model](owner, 3)
        db.session.add(row)
        db.session.commit()
        assert row.id > highest
