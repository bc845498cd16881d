"""The blob copy's writer thread: chunks written in order, one at a time, errors raised to the caller."""

from __future__ import annotations

import threading
import time

import pytest

from inventory_cli.storage.chunk_writer import ChunkWriter


class Recorder:
    """A write function that notes each chunk, its thread, and how many writes ran at once."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.chunks: list[bytes] = []
        self.threads: set[int] = set()
        self.running = 0
        self.most_at_once = 0
        self.fail_on = fail_on
        self._lock = threading.Lock()

    def __call__(self, chunk: bytes) -> None:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.001)  # long enough for a second write to overlap, were that possible
        self.threads.add(threading.get_ident())
        with self._lock:
            self.running -= 1
        if chunk == self.fail_on:
            raise OSError(28, "No space left on device")
        self.chunks.append(chunk)


def test_chunks_are_written_in_order_one_at_a_time_off_the_calling_thread() -> None:
    recorder = Recorder()
    chunks = [bytes([n]) * 10 for n in range(20)]
    with ChunkWriter(recorder) as writer:
        for chunk in chunks:
            writer.write(chunk)
        writer.finish()
        assert recorder.chunks == chunks  # finish() returns only once everything is written

    assert recorder.most_at_once == 1
    assert len(recorder.threads) == 1 and threading.get_ident() not in recorder.threads


def test_a_failed_write_is_raised_to_the_caller_and_later_chunks_are_not_written() -> None:
    recorder = Recorder(fail_on=b"c")
    with pytest.raises(OSError, match="No space left"), ChunkWriter(recorder) as writer:
        for chunk in (b"a", b"b", b"c", b"d", b"e"):
            writer.write(chunk)
        writer.finish()

    assert recorder.chunks == [b"a", b"b"]


def test_the_last_chunk_failing_is_raised_by_finish() -> None:
    recorder = Recorder(fail_on=b"z")
    writer = ChunkWriter(recorder)
    writer.write(b"y")
    writer.write(b"z")
    with pytest.raises(OSError):
        writer.finish()
    writer.close()
    assert recorder.chunks == [b"y"]


def writer_threads() -> list[threading.Thread]:
    """The copy's writer threads still alive in this process."""
    return [thread for thread in threading.enumerate() if thread.name == "blob-writer"]


def test_closing_after_the_caller_failed_waits_for_the_write_and_ends_the_thread() -> None:
    recorder = Recorder()
    with pytest.raises(ValueError), ChunkWriter(recorder) as writer:
        writer.write(b"one")
        writer.write(b"two")
        assert len(writer_threads()) == 1
        raise ValueError("the caller's own error, e.g. a file over the size limit")

    assert recorder.chunks == [b"one", b"two"]
    assert writer_threads() == []


def test_a_single_chunk_is_written_by_finish_on_the_calling_thread_without_a_thread() -> None:
    recorder = Recorder()
    with ChunkWriter(recorder) as writer:
        writer.write(b"only")
        assert recorder.chunks == [] and writer_threads() == []
        writer.finish()
        assert recorder.chunks == [b"only"] and writer_threads() == []
    assert recorder.threads == {threading.get_ident()}


def test_a_single_chunk_abandoned_by_its_caller_is_not_written() -> None:
    recorder = Recorder()
    with pytest.raises(ValueError), ChunkWriter(recorder) as writer:
        writer.write(b"only")
        raise ValueError("over the size limit")
    assert recorder.chunks == []


def test_nothing_handed_over_starts_no_thread() -> None:
    with ChunkWriter(Recorder()) as writer:
        writer.finish()
        assert writer_threads() == []
