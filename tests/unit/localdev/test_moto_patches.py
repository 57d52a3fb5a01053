"""localdev.moto_patches against moto's SQS backend in this process, with receives forced to overlap.

moto's receive checks that a message is visible, then marks it received. Here marking first sleeps (it
releases the GIL), so that unguarded receives on several threads overlap exactly where they race; the
patched ones must take turns. The same rules are held over HTTP in tests/integration."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs import models

from localdev import moto_patches

THREADS = 8


@pytest.fixture
def backend():
    backend = models.sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    yield backend
    for name in list(backend.queues):
        backend.delete_queue(name)


@pytest.fixture
def slow_marking(monkeypatch):
    mark = models.Message.mark_received

    def mark_slowly(self, *args, **kwargs):
        time.sleep(0.002)
        return mark(self, *args, **kwargs)

    monkeypatch.setattr(models.Message, "mark_received", mark_slowly)


@pytest.fixture
def in_turn():
    undo = moto_patches.receives_in_turn()
    yield
    undo()


def receive_everything(backend, queue_name):
    """(the ids received by THREADS receivers until the queue is empty, the errors their receives raised)"""
    barrier = threading.Barrier(THREADS)
    errors = []

    def receive(_):
        barrier.wait()
        got = []
        while True:
            try:
                messages = backend.receive_message(queue_name, 1, 0, 300)
            except RuntimeError as error:  # moto iterating a set another receive changes
                errors.append(error)
                continue
            if not messages:
                return got
            got.extend(message.id for message in messages)

    with ThreadPoolExecutor(THREADS) as pool:
        received = [message_id for got in pool.map(receive, range(THREADS)) for message_id in got]
    return received, errors


def fill(backend, count=60):
    backend.create_queue("patches-standard")
    for n in range(count):
        backend.send_message("patches-standard", f"m{n}")
    return "patches-standard"


def test_unguarded_moto_gives_one_message_to_several_receivers(backend, slow_marking):
    """The race the patch is for, shown on moto as it is (if a moto release fixes it, this says so):
    a message in flight with several receivers, and now and then a receive that fails outright."""
    received, _errors = receive_everything(backend, fill(backend))
    assert len(received) > len(set(received))


def test_receives_in_turn_give_each_message_once(backend, slow_marking, in_turn):
    received, errors = receive_everything(backend, fill(backend))
    assert errors == []
    assert len(received) == len(set(received)) == 60


def test_a_fifo_group_in_flight_goes_to_one_receiver(backend, slow_marking, in_turn):
    backend.create_queue("patches.fifo", FifoQueue="true")
    for n in range(10):
        backend.send_message("patches.fifo", f"m{n}", deduplication_id=f"d{n}", group_id="one-account")
    barrier = threading.Barrier(THREADS)

    def receive_once(_):
        barrier.wait()
        return [message.body for message in backend.receive_message("patches.fifo", 1, 0, 300)]

    with ThreadPoolExecutor(THREADS) as pool:
        received = [body for got in pool.map(receive_once, range(THREADS)) for body in got]
    assert received == ["m0"]


def test_a_long_poll_wakes_for_a_message_added_while_it_waits(backend, in_turn):
    backend.create_queue("patches-poll")
    answers = []
    poll = threading.Thread(target=lambda: answers.append(backend.receive_message("patches-poll", 1, 10, 30)))
    poll.start()
    time.sleep(0.3)
    backend.send_message("patches-poll", "late")
    poll.join(timeout=12)
    assert not poll.is_alive()
    assert [m.body for m in answers[0]] == ["late"]


def test_undo_puts_moto_back(in_turn):
    patched = models.SQSBackend.receive_message
    undo = moto_patches.receives_in_turn()
    assert models.SQSBackend.receive_message is not patched
    undo()
    assert models.SQSBackend.receive_message is patched


def test_fifo_deduplication_remembers_an_id_after_its_message_is_deleted(backend):
    undo = moto_patches.fifo_deduplication()
    try:
        backend.create_queue("patches-dedup.fifo", FifoQueue="true")
        backend.send_message("patches-dedup.fifo", "first", deduplication_id="same", group_id="g")
        (message,) = backend.receive_message("patches-dedup.fifo", 1, 0, 30)
        backend.delete_message("patches-dedup.fifo", message.receipt_handle)
        backend.send_message("patches-dedup.fifo", "copy", deduplication_id="same", group_id="g")
        assert backend.receive_message("patches-dedup.fifo", 1, 0, 30) == []
    finally:
        undo()
