"""The run pages' words and the next run's pins and exclusions, without a server."""

from __future__ import annotations

from pathlib import Path

from services.console.pages.run_words import next_options, progress_line, publication_label, publish_message, will_be
from services.console.run_picks import Marks, MarkStore


def test_a_bulk_action_says_how_many_pairs_in_good_russian():
    assert will_be(1, "approve") == "Будет одобрена 1 пара"
    assert will_be(3, "drop") == "Будут исключены 3 пары"
    assert will_be(5, "approve") == "Будет одобрено 5 пар"
    assert will_be(21, "undo") == "Будет возвращена на рассмотрение 21 пара"
    assert will_be(1235, "create") == "Будет создано 1\xa0235 пар"
    assert publish_message({"approved": 12, "dropped": 3, "pending": 1}) == \
        "Будет создано 12 пар (предложения уйдут в школы), 3 исключено, 1 не рассмотрено"


def test_the_progress_and_the_publication_in_words():
    assert progress_line({"status": "queued"}) == "В очереди — подбор скоро начнётся"
    assert progress_line({"status": "running", "phase": "solving", "progress": 0.3}) == "Подбор пар — 30\xa0%"
    assert publication_label({"draft": True, "status": "succeeded", "publication": "review"}) == "черновик на проверке"
    assert publication_label({"draft": False, "status": "succeeded"}) == "пары созданы сразу"


def test_marks_win_over_what_the_run_carried():
    carried = {"weights": {"load_step": 8},
               "pins": [{"mentor_id": "t1", "mentee_id": "s1"}, {"mentor_id": "t2", "mentee_id": "s2"}],
               "exclusions": [{"mentor_id": "t3", "mentee_id": "s3"}, {"mentor_id": "t4", "mentee_id": "s4"}]}
    pins = [{"mentor_id": "t9", "mentee_id": "s1", "mentee_name": "А"}, {"mentor_id": "t3", "mentee_id": "s3"}]
    exclusions = [{"mentor_id": "t2", "mentee_id": "s2"}]
    options = next_options(carried, pins, exclusions)
    assert options["weights"] == {"load_step": 8}
    assert options["pins"] == [{"mentor_id": "t9", "mentee_id": "s1"}, {"mentor_id": "t3", "mentee_id": "s3"}]
    assert options["exclusions"] == [{"mentor_id": "t4", "mentee_id": "s4"}, {"mentor_id": "t2", "mentee_id": "s2"}]
    assert next_options({}, [], []) == {"pins": [], "exclusions": []}


def test_a_mark_toggles_and_a_pair_is_pinned_or_excluded_never_both(tmp_path: Path):
    marks = Marks()
    pair = {"mentor_id": "t1", "mentee_id": "s1", "mentor_name": "Н", "mentee_name": "М"}
    assert marks.toggle("pin", pair) and marks.keys == {"t1|s1": "pin"}
    assert marks.toggle("exclude", pair) and marks.keys == {"t1|s1": "exclude"}
    assert not marks.toggle("exclude", pair) and marks.keys == {}
    marks.toggle("pin", pair)
    marks.toggle("pin", {**pair, "mentor_id": "t2"})  # another mentor for the same mentee replaces the pin
    assert marks.keys == {"t2|s1": "pin"}
    store = MarkStore(tmp_path)
    store.save("account-1", "run-1", marks)
    assert store.load("account-1", "run-1").pins == marks.pins and store.load("account-2", "run-1").pins == []
    assert store.load("../etc", "passwd").pins == []
