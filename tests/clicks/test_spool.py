"""shortener/clicks/spool.py: the local last-resort click spool."""

import os

import pytest

from shortener.clicks import spool


def collect(into):
    def store_batch(events):
        into.extend(events)
        return len(events)

    return store_batch


def test_replay_hands_over_every_event_and_empties_the_spool(tmp_path):
    for number in range(5):
        spool.append(str(tmp_path), {"id": str(number)})
    assert spool.pending(str(tmp_path)) == 5
    stored = []
    assert spool.replay(str(tmp_path), collect(stored), batch_size=2) == 5
    assert [event["id"] for event in stored] == ["0", "1", "2", "3", "4"]
    assert spool.pending(str(tmp_path)) == 0
    assert spool.replay(str(tmp_path), collect(stored)) == 0


def test_a_failed_replay_keeps_the_file_for_the_next_one(tmp_path):
    spool.append(str(tmp_path), {"id": "a"})

    def broken(_events):
        raise RuntimeError("database still down")

    with pytest.raises(RuntimeError):
        spool.replay(str(tmp_path), broken)
    spool.append(str(tmp_path), {"id": "b"})  # new clicks start a fresh file
    stored = []
    assert spool.replay(str(tmp_path), collect(stored)) == 2
    assert sorted(event["id"] for event in stored) == ["a", "b"]


def test_a_torn_last_line_is_skipped_not_fatal(tmp_path, caplog):
    spool.append(str(tmp_path), {"id": "whole"})
    with open(os.path.join(tmp_path, spool.ACTIVE), "a") as handle:
        handle.write('{"id": "tor')
    stored = []
    assert spool.replay(str(tmp_path), collect(stored)) == 1
    assert "unreadable line 2" in caplog.text


def test_a_missing_folder_is_nothing_to_replay(tmp_path):
    assert spool.replay(str(tmp_path / "absent"), collect([])) == 0
    assert spool.pending(str(tmp_path / "absent")) == 0
