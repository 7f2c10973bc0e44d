"""What the counter writes in one transaction (and spools when it cannot): redirects per
pool, bot and hour with how many of them were returning leads, and per pool and hour the
leads of each campaign and those no bot took."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from storage.repos import campaigns, counts


@dataclass(slots=True)
class Batch:
    redirects: dict[counts.Key, int] = field(default_factory=dict)
    returning: dict[counts.Key, int] = field(default_factory=dict)  # of `redirects`
    campaigns: dict[campaigns.Key, int] = field(default_factory=dict)
    outcomes: dict[campaigns.Key, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.redirects or self.returning or self.campaigns or self.outcomes)

    def _maps(self) -> tuple[dict, dict, dict, dict]:  # type: ignore[type-arg]
        return self.redirects, self.returning, self.campaigns, self.outcomes

    def merge(self, other: Batch) -> None:
        for mine, theirs in zip(self._maps(), other._maps(), strict=True):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n

    def leads(self) -> int:
        """Leads in the batch: redirected to a bot, sent to a fallback link, or not
        served (returning leads and campaigns are some of these, counted again)."""
        return sum(self.redirects.values()) + sum(self.outcomes.values())

    def rows(self) -> Iterator[Batch]:
        """The batch one database row at a time (a redirect with its returning leads)."""
        for key in self.redirects.keys() | self.returning.keys():
            yield Batch(
                redirects={key: self.redirects.get(key, 0)},
                returning={key: self.returning[key]} if key in self.returning else {},
            )
        for campaign_key, n in self.campaigns.items():
            yield Batch(campaigns={campaign_key: n})
        for outcome_key, n in self.outcomes.items():
            yield Batch(outcomes={outcome_key: n})
