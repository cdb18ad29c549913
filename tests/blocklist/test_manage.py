"""shortener/blocklist/manage.py: the admins' entries, and the operator's file synced."""

import logging

import pytest
from sqlalchemy import select

from shortener.blocklist import checks, manage, store
from shortener.blocklist.entries import InvalidEntry
from shortener.blocklist.models import ADMIN, FILE, BlocklistEntry
from shortener.extensions import db


def rows(app) -> set[tuple[str, str]]:
    with app.app_context():
        found = db.session.execute(select(BlocklistEntry.source, BlocklistEntry.pattern))
        return {tuple(row) for row in found}


def version(app) -> int | None:
    with app.app_context():
        return store.current_version()


def test_an_admin_entry_is_stored_normalized_with_its_note_and_a_new_version(app, auth):
    user_id = auth.create_user("boss")
    before = version(app)
    with app.app_context():
        entry = manage.add_entry(" https://Evil.Example/ ", "phishing, ticket 12", user_id)
        assert (entry.pattern, entry.note, entry.created_by_id) == (
            "evil.example", "phishing, ticket 12", user_id)
    assert rows(app) == {(ADMIN, "evil.example")}
    assert version(app) == (before or 0) + 1


def test_the_same_entry_twice_is_refused(app):
    with app.app_context():
        manage.add_entry("evil.example", None, None)
        with pytest.raises(manage.EntryExists, match="already on the blocklist"):
            manage.add_entry("*.EVIL.example", None, None)


def test_an_invalid_entry_changes_nothing(app):
    with app.app_context(), pytest.raises(InvalidEntry):
        manage.add_entry("ftp://evil.example", None, None)
    assert rows(app) == set()


def test_removing_an_admin_entry(app):
    with app.app_context():
        entry_id = manage.add_entry("evil.example", None, None).id
        assert checks.is_blocked("https://evil.example/")
        assert manage.remove_entry(entry_id) == "evil.example"
        assert not checks.is_blocked("https://evil.example/")
        assert manage.remove_entry(entry_id) is None


def write(tmp_path, text: str) -> str:
    path = tmp_path / "blocklist.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_file_s_lines_become_entries_and_follow_its_edits(app, tmp_path, caplog):
    path = write(tmp_path, "# spam domains\nevil.example\n\n  Spam.Example  \n"
                           "example.com/free-money\nnot a domain!\n")
    with app.app_context(), caplog.at_level(logging.WARNING, logger="shortener.blocklist.manage"):
        assert manage.sync_file(path) == manage.FileSync(added=3, removed=0, invalid=1)
    assert "line 6 skipped" in caplog.text
    assert rows(app) == {(FILE, "evil.example"), (FILE, "spam.example"), (FILE, "example.com/free-money")}
    synced = version(app)
    with app.app_context():
        assert manage.sync_file(path) == manage.FileSync(0, 0, 1)
    assert version(app) == synced  # nothing changed: the processes keep their matchers
    write(tmp_path, "evil.example\nnew.example\n")
    with app.app_context():
        assert manage.sync_file(path) == manage.FileSync(added=1, removed=2, invalid=0)
        assert checks.is_blocked("https://a.new.example/") and not checks.is_blocked("https://spam.example/")
    assert rows(app) == {(FILE, "evil.example"), (FILE, "new.example")}
    assert version(app) == synced + 1


def test_the_file_and_the_admins_keep_their_own_entries(app, tmp_path):
    path = write(tmp_path, "evil.example\n")
    with app.app_context():
        entry_id = manage.add_entry("evil.example", "also by hand", None).id
        manage.sync_file(path)
        manage.remove_entry(entry_id)
        assert checks.is_blocked("https://evil.example/")  # still in the file
        manage.sync_file(None)  # BLOCKLIST_FILE unset: the file's entries go
        assert not checks.is_blocked("https://evil.example/")
    assert rows(app) == set()


def test_an_unreadable_file_changes_nothing(app, tmp_path):
    path = write(tmp_path, "evil.example\n")
    with app.app_context():
        manage.sync_file(path)
        with pytest.raises(OSError):
            manage.sync_file(str(tmp_path / "gone.txt"))
    assert rows(app) == {(FILE, "evil.example")}


def test_a_large_file_is_synced_in_chunks(app, tmp_path):
    path = write(tmp_path, "".join(f"d{index}.example\n" for index in range(12_000)))
    with app.app_context():
        assert manage.sync_file(path).added == 12_000
        assert checks.is_blocked("https://www.d11999.example/")
        write(tmp_path, "d0.example\n")
        assert manage.sync_file(path).removed == 11_999
        assert store.counts() == {ADMIN: 0, FILE: 1}
