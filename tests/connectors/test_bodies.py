"""An httpx answer's body taken out: the answer is freed when dropped, without waiting for the cyclic GC."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest

from connectors.bodies import take_body


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b'{"done": true}')))


def test_an_answer_whose_body_was_taken_is_freed_as_soon_as_it_is_dropped(no_cyclic_gc: None) -> None:
    with _client() as client:
        answer = client.get("https://org.example/services/data/v62.0/queryAll/")
        body, gone = take_body(answer), weakref.ref(answer)
        del answer
        assert (body, gone()) == (b'{"done": true}', None)


def test_an_answer_read_as_httpx_leaves_it_waits_for_the_cyclic_gc(no_cyclic_gc: None) -> None:
    with _client() as client:
        answer = client.get("https://org.example/services/data/v62.0/queryAll/")
        body, kept = answer.read(), weakref.ref(answer)
        del answer
        assert (body, kept() is not None) == (b'{"done": true}', True)  # what take_body is for
        gc.collect()
        assert kept() is None
