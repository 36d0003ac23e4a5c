"""A large network's report computes some parts in a forked child (graphs.forked): the
report is the same as in one process, and a child that fails, dies or is no longer wanted
changes nothing but the time."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pytest

import graphs.forked as forked
import graphs.report as report
import graphs.taktgeber as taktgeber
from graphs import analyse

SEED = json.loads((Path(__file__).resolve().parents[2] / "seeds" / "swf5.json").read_text())
TODAY = "2026-11-28"


def _plain(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "timings_ms"}


@pytest.fixture
def forks(monkeypatch):
    """Every network counts as large; returns the pids of the children started."""
    monkeypatch.setattr(report, "FORK_NODES", 0)
    monkeypatch.setattr(forked, "USE_FORK", True)
    started: list[int] = []
    real = os.fork

    def spy():
        pid = real()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", spy)
    return started


def _no_children_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("options", [
    {},
    {"lang": "en", "seed": 3},
    {"without": "olpe"},
    {"taktgeber": "swa"},
    {"without": "menden-cdo", "taktgeber": "swa", "lang": "en"},
], ids=["plain", "english", "without", "taktgeber", "both"])
def test_the_report_is_the_one_computed_in_one_process(monkeypatch, forks, options):
    monkeypatch.setattr(forked, "USE_FORK", False)
    in_line = _plain(analyse(SEED, today=TODAY, **options))
    assert forks == []
    monkeypatch.setattr(forked, "USE_FORK", True)
    in_parent: list[str] = []  # the in-line fallbacks; the child's calls count in its copy

    def spying(name, real):
        def spy(*args, **kwargs):
            in_parent.append(name)
            return real(*args, **kwargs)
        return spy

    for module, name in ((taktgeber, "broker_parts"), (report, "_transfer_and_solutions")):
        monkeypatch.setattr(module, name, spying(name, getattr(module, name)))
    assert _plain(analyse(SEED, today=TODAY, **options)) == in_line
    assert len(forks) == 1 and in_parent == []  # every part came from the child
    _no_children_left()


def test_a_failing_child_leaves_the_parts_to_the_parent(monkeypatch, forks, caplog):
    expected = _plain(analyse(SEED, today=TODAY))
    parent, real = os.getpid(), report.transfer_paths

    def broken_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("kaputt im Kind")
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "transfer_paths", broken_in_the_child)
    with caplog.at_level(logging.WARNING, logger="graphs.forked"):
        assert _plain(analyse(SEED, today=TODAY)) == expected
    assert "kaputt im Kind" in caplog.text
    _no_children_left()


def test_a_child_that_dies_leaves_the_parts_to_the_parent(monkeypatch, forks, caplog):
    expected = _plain(analyse(SEED, today=TODAY))
    parent, real = os.getpid(), report.broker_parts

    def dies_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "broker_parts", dies_in_the_child)
    with caplog.at_level(logging.WARNING, logger="graphs.forked"):
        assert _plain(analyse(SEED, today=TODAY)) == expected
    assert "ended early" in caplog.text
    _no_children_left()


def test_an_error_in_the_parent_ends_the_child(monkeypatch, forks):
    def broken(*args, **kwargs):
        raise ValueError("kaputt")

    monkeypatch.setattr(report, "rank_taktgeber", broken)
    with pytest.raises(ValueError, match="kaputt"):
        analyse(SEED, today=TODAY)
    assert len(forks) == 1
    _no_children_left()


def test_unknown_what_if_keys_are_refused_as_in_one_process(forks):
    with pytest.raises(ValueError, match="without"):
        analyse(SEED, today=TODAY, without="gibt-es-nicht")
    _no_children_left()


def test_a_process_with_other_threads_does_not_fork(forks):
    """The development server's analysis thread: a lock held by another thread at the fork
    would stay locked in the child, so a threaded process computes in one process."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        analyse(SEED, today=TODAY)
    finally:
        stop.set()
        other.join()
    assert forks == []


def test_small_networks_do_not_fork(monkeypatch, forks):
    monkeypatch.setattr(report, "FORK_NODES", 10_000)
    analyse(SEED, today=TODAY)
    assert forks == []
