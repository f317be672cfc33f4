"""The bounds on the polls under way (bot/poll/held.py): a floor whatever the bodies weigh, a
cap, and a byte budget over the bodies held and those still to come."""

from __future__ import annotations

import asyncio

import pytest

from bot.poll.held import HeldBodies, Ticket


def _fill(held: HeldBodies) -> list[Ticket]:
    tickets = []
    while held.room():
        tickets.append(held.take())
    return tickets


def test_before_any_body_only_the_floor_is_under_way() -> None:
    held = HeldBodies(floor=4, cap=100, budget=1000)
    assert len(_fill(held)) == 4  # nothing known of the bodies yet: each may weigh budget/floor


def test_small_bodies_let_the_requests_run_ahead_up_to_the_cap() -> None:
    held = HeldBodies(floor=4, cap=20, budget=1000)
    tickets = _fill(held)
    for t in tickets:
        t.hold(10)  # ten bytes each: the rest may come to 10 each too
    more = _fill(held)
    assert held.polls == 20 and len(more) == 16  # the cap, not the budget, stops them


def test_large_bodies_keep_what_is_held_within_the_budget() -> None:
    held = HeldBodies(floor=2, cap=100, budget=1000)
    first = _fill(held)
    for t in first:
        t.hold(300)  # 600 held; each still to come is weighed 300
    assert len(_fill(held)) == 1  # 600 + 300 <= 1000; one more would make 1200
    assert held.polls == 3 and held.bytes == 600
    held.leave(first[0])
    assert held.bytes == 300 and held.polls == 2 and held.room()


def test_the_floor_holds_whatever_the_bodies_weigh() -> None:
    held = HeldBodies(floor=3, cap=10, budget=100)
    for t in _fill(held):
        t.hold(10_000)
    assert not held.room()
    held.leave(held.take())  # a 304: under way, then over, holding nothing
    assert held.polls == 3 and held.bytes == 30_000
    held = HeldBodies(floor=3, cap=10, budget=100)
    tickets = [held.take() for _ in range(3)]
    for t in tickets:
        t.hold(10_000)
    held.leave(tickets[0])
    assert held.room()  # two under way, under the floor of three


def test_waiters_are_let_in_first_come_first_served_and_a_cancelled_one_gives_back() -> None:
    async def scenario() -> None:
        held = HeldBodies(floor=1, cap=1, budget=10)
        first = await held.enter()
        order: list[int] = []

        async def poll(n: int) -> None:
            ticket = await held.enter()
            order.append(n)
            await asyncio.sleep(0)
            held.leave(ticket)

        tasks = [asyncio.create_task(poll(n)) for n in range(3)]
        cancelled = asyncio.create_task(held.enter())
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        held.leave(first)
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2]
        assert held.polls == 0 and held.room()
        # granted, then cancelled before it ran: its place is given back
        blocker = await held.enter()
        late = asyncio.create_task(held.enter())
        await asyncio.sleep(0)
        held.leave(blocker)  # grants `late` its place
        late.cancel()
        with pytest.raises(asyncio.CancelledError):
            await late
        assert held.polls == 0

    asyncio.run(scenario())


def test_a_body_counts_once_and_leaves_with_its_poll() -> None:
    held = HeldBodies(floor=1, cap=5, budget=100)
    ticket = held.take()
    ticket.hold(40)
    ticket.hold(40)  # one body per poll
    assert (held.bodies, held.bytes) == (1, 40)
    held.leave(ticket)
    assert (held.polls, held.bodies, held.bytes) == (0, 0, 0)


def test_the_largest_body_seen_weighs_each_body_still_to_come() -> None:
    held = HeldBodies(floor=2, cap=100, budget=1000)
    small, large = _fill(held)
    small.hold(10)
    large.hold(200)  # 210 held; each request still out may bring 200 more
    assert len(_fill(held)) == 3  # 210 + 3 x 200 <= 1000 < 210 + 4 x 200
