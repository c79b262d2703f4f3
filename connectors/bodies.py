"""An httpx answer's body taken out of the answer, so the bytes go when we drop them, not at a full GC.

httpx binds every response to its stream and the stream back to the response (`Response.stream` is a
`BoundSyncStream` holding `_response`: encode/httpx PR #3733, still open for 0.28/0.29). The pair is a
reference cycle, freed only by the cyclic GC; the answers of a long read are promoted to the oldest
generation and their bodies (1-3 MB a Salesforce page) pile up until a full collection, so a pull's peak
RSS grew with the pages it read. Swapping the consumed stream for an empty one breaks the cycle.
"""

from __future__ import annotations

import httpx

__all__ = ["take_body"]


def take_body(answer: httpx.Response) -> bytes:
    """The answer's body, read in full; the answer is left free of its stream's back-reference."""
    body = answer.read()
    answer.stream = httpx.ByteStream(b"")
    return body
