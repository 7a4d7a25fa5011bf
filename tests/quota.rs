//! The client-side quota: requests go only when the server cannot have seen
//! the limit yet, first come first served.

use mde_machine_actions::quota::{Budget, Limit, DEFENDER_LIMITS, IN_FLIGHT_POLL_MS};

const TWO_PER_100: [Limit; 1] = [Limit {
    calls: 2,
    window_ms: 100,
}];

#[test]
fn requests_go_at_once_while_there_is_room() {
    let mut budget = Budget::new(&DEFENDER_LIMITS);
    for _ in 0..100 {
        let ticket = budget.ticket();
        assert_eq!(budget.try_send(ticket, 0), Ok(()));
    }
    let ticket = budget.ticket();
    assert_eq!(
        budget.try_send(ticket, 0),
        Err(IN_FLIGHT_POLL_MS),
        "100 in flight fill the minute"
    );
}

#[test]
fn finished_requests_count_until_they_leave_the_window() {
    let mut budget = Budget::new(&TWO_PER_100);
    for at in [0, 10] {
        let ticket = budget.ticket();
        assert_eq!(budget.try_send(ticket, at), Ok(()));
        budget.finished(at + 5);
    }
    let ticket = budget.ticket();
    assert_eq!(
        budget.try_send(ticket, 20),
        Err(85),
        "room when the answer at 5 leaves (105)"
    );
    assert_eq!(budget.try_send(ticket, 105), Ok(()));
}

#[test]
fn answers_are_counted_when_they_arrive_not_when_sent() {
    let mut budget = Budget::new(&TWO_PER_100);
    let a = budget.ticket();
    budget.try_send(a, 0).unwrap();
    let b = budget.ticket();
    budget.try_send(b, 0).unwrap();
    budget.finished(90); // the server may have counted it as late as 90
    budget.finished(95);
    let c = budget.ticket();
    assert_eq!(budget.try_send(c, 100), Err(90), "not before 190");
}

#[test]
fn waiting_callers_go_first_come_first_served() {
    let mut budget = Budget::new(&TWO_PER_100);
    let first = budget.ticket();
    let second = budget.ticket();
    assert_eq!(
        budget.try_send(second, 0),
        Err(1),
        "the earlier caller goes first"
    );
    assert_eq!(budget.try_send(first, 0), Ok(()));
    assert_eq!(budget.try_send(second, 0), Ok(()));
}

#[test]
fn a_caller_that_gives_up_does_not_block_the_queue() {
    let mut budget = Budget::new(&TWO_PER_100);
    let gone = budget.ticket();
    let next = budget.ticket();
    budget.give_up(gone);
    assert_eq!(budget.try_send(next, 0), Ok(()));
}

#[test]
fn a_pause_holds_every_later_send() {
    let mut budget = Budget::new(&[]);
    budget.pause_until(5_000);
    let ticket = budget.ticket();
    assert_eq!(budget.try_send(ticket, 1_000), Err(4_000));
    assert_eq!(budget.try_send(ticket, 5_000), Ok(()));
}

#[test]
fn a_burst_never_exceeds_any_limit_as_the_server_counts() {
    // Simulate: requests take 30 ms to arrive and 30 more to be answered.
    let limits = [
        Limit {
            calls: 10,
            window_ms: 200,
        },
        Limit {
            calls: 25,
            window_ms: 1_000,
        },
    ];
    let mut budget = Budget::new(&limits);
    let tickets: Vec<u64> = (0..60).map(|_| budget.ticket()).collect();
    let (mut arrivals, mut pending, mut now) = (Vec::new(), Vec::new(), 0u64);
    let mut next = 0;
    while next < tickets.len() || !pending.is_empty() {
        pending.retain(|&(arrival, answer)| {
            if answer <= now {
                arrivals.push(arrival);
                budget.finished(now);
                false
            } else {
                true
            }
        });
        while next < tickets.len() && budget.try_send(tickets[next], now).is_ok() {
            pending.push((now + 30, now + 60));
            next += 1;
        }
        now += 1;
    }
    for limit in limits {
        for &start in &arrivals {
            let seen = arrivals
                .iter()
                .filter(|&&a| a >= start && a < start + limit.window_ms)
                .count();
            assert!(
                seen <= limit.calls as usize,
                "{seen} in {} ms",
                limit.window_ms
            );
        }
    }
}

#[test]
fn no_limits_means_no_waiting() {
    let mut budget = Budget::new(&[]);
    for _ in 0..10_000 {
        let ticket = budget.ticket();
        assert_eq!(budget.try_send(ticket, 7), Ok(()));
    }
}

#[test]
fn the_time_to_send_is_the_quota_lower_bound() {
    let limits = [
        Limit {
            calls: 100,
            window_ms: 6_000,
        },
        Limit {
            calls: 1_500,
            window_ms: 90_000,
        },
    ];
    let mut budget = Budget::new(&limits);
    // 300 from an empty window: 100 now, 100 after 6 s, 100 after 12 s.
    assert_eq!(budget.time_to_send(300, 0), 12_000);
    assert_eq!(budget.time_to_send(100, 0), 0);
    assert_eq!(budget.time_to_send(101, 0), 6_000);
    assert_eq!(budget.time_to_send(0, 0), 0);
    // 40 answered at t=1000: the 61st more waits for the first of them.
    for _ in 0..40 {
        let ticket = budget.ticket();
        budget.try_send(ticket, 1_000).unwrap();
        budget.finished(1_000);
    }
    assert_eq!(budget.time_to_send(60, 2_000), 0);
    assert_eq!(budget.time_to_send(61, 2_000), 5_000);
    // The hourly limit binds past 1,500.
    assert_eq!(Budget::new(&limits).time_to_send(1_501, 0), 90_000);
    assert_eq!(Budget::new(&[]).time_to_send(10_000, 0), 0);
}
