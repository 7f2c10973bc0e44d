"""Answers about strings that /go asks again and again (is this user agent a crawler?
is this peer a trusted proxy?), remembered so that a repeat costs one dict lookup."""

from __future__ import annotations

from collections.abc import Callable


class Remembered(dict[str, bool]):
    """`answers[text]` is `predicate(text)`, remembered. Lookups come from clients, so
    memory is bounded: at most `remember` answers (all are forgotten when full) and
    none for a text longer than `longest`, which is answered every time."""

    def __init__(
        self, predicate: Callable[[str], bool], *, remember: int = 4096, longest: int = 512
    ) -> None:
        super().__init__()
        self._predicate = predicate
        self._remember = remember
        self._longest = longest

    def __missing__(self, text: str) -> bool:
        answer = self._predicate(text)
        if len(text) <= self._longest:
            if len(self) >= self._remember:
                self.clear()
            self[text] = answer
        return answer
