"""How far the requests may run ahead of recording: the bodies fetched and not yet recorded.

A fetch slot (`max_concurrency`, `per_host_concurrency`) bounds the requests in flight. What a
poll holds after its answer, its body and then what the parser made of it, is bounded here,
per process. A poll is under way from before its request until its body is recorded (a 304 or
an error, at once). A new request may start while fewer than `floor` polls are under way,
whatever their size; beyond that, up to `cap` of them, while the bodies held and the bodies
still to come (each weighed as the largest body seen so far; before any, as `budget / floor`)
come to under `budget` bytes.

Requests run ahead so that waiting on the network overlaps with the work: a feed that takes
seconds to answer (a slow outlet), asked only when the polls before it have been recorded,
ends a cold run late by that much; asked early, it answers while the others are recorded.
Small feeds let the requests run far ahead; large ones keep the bodies held near `budget`.
"""

from __future__ import annotations

import asyncio
from collections import deque

UNDER_WAY = 2  # polls under way per request slot, at least, however large their bodies
AHEAD = 25  # polls under way per request slot, at most
BUDGET = 16 << 20  # bytes of bodies held and to come, past which only the floor applies


class HeldBodies:
    """Polls under way and the bodies they hold. `take` (or `enter`, which waits for `room`)
    gives a poll its ticket, the ticket's `hold` counts its body, `leave` ends the poll."""

    def __init__(self, floor: int, cap: int, budget: int) -> None:
        self.floor, self.cap, self.budget = floor, max(cap, floor), budget
        self.polls = 0  # under way
        self.bodies = 0  # of them, those holding a body
        self.bytes = 0  # what those bodies weigh
        self._largest = budget / max(floor, 1)  # what a body still to come is weighed
        self._sized = False  # whether `_largest` is a body's, or the guess before any
        self._waiters: deque[asyncio.Future[None]] = deque()

    @classmethod
    def for_slots(cls, slots: int) -> HeldBodies:
        return cls(UNDER_WAY * slots, AHEAD * slots, BUDGET)

    def room(self) -> bool:
        if self.polls < self.floor:
            return True
        if self.polls >= self.cap:
            return False
        return self.bytes + (self.polls - self.bodies + 1) * self._largest <= self.budget

    def take(self) -> Ticket:
        """A poll under way now (the caller has looked at `room`)."""
        self.polls += 1
        return Ticket(self)

    async def enter(self) -> Ticket:
        """Wait for room, first come first served; the poll is then under way."""
        if not self._waiters and self.room():
            return self.take()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # `_grant` counts the poll as under way before it wakes it
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave(Ticket(self))  # granted, then cancelled before it ran: give it back
            else:
                self._waiters.remove(waiter)
            raise
        return Ticket(self)

    def leave(self, ticket: Ticket) -> None:
        """A poll is over, and the body it held with it."""
        self.polls -= 1
        if ticket.body:
            self.bodies -= 1
            self.bytes -= ticket.size
            ticket.body, ticket.size = False, 0
        self._grant()

    def _held(self, size: int) -> None:
        self.bodies += 1
        self.bytes += size
        self._largest = max(self._largest, size) if self._sized else size
        self._sized = True
        self._grant()  # a body lighter than the guess for it leaves room for more

    def _grant(self) -> None:
        waiters = self._waiters
        while waiters and self.room():
            waiter = waiters.popleft()
            if not waiter.done():
                self.polls += 1
                waiter.set_result(None)


class Ticket:
    """One poll under way: whether it holds a body, and what that weighs."""

    __slots__ = ("_held", "body", "size")

    def __init__(self, held: HeldBodies) -> None:
        self._held = held
        self.body = False
        self.size = 0

    def hold(self, size: int) -> None:
        """The poll's answer brought a body of `size` bytes (once per poll)."""
        if not self.body:
            self.body, self.size = True, size
            self._held._held(size)
