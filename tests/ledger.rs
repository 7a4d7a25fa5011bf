//! The shared quota's ledger: permits for many clients, one budget.

use mde_machine_actions::quota::{Grant, Ledger, Limit};

const TWO_PER_100: [Limit; 1] = [Limit {
    calls: 2,
    window_ms: 100,
}];

/// The time of a wait answer.
fn until(grant: Grant) -> u64 {
    match grant {
        Grant::Wait { until, .. } => until,
        Grant::Go(permit) => panic!("expected a wait, got permit {permit}"),
    }
}

fn permit(grant: Grant) -> u64 {
    match grant {
        Grant::Go(permit) => permit,
        Grant::Wait { until, .. } => panic!("expected a permit, got wait until {until}"),
    }
}

#[test]
fn permits_go_while_there_is_room_then_the_answer_is_not_before() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(0, 1_000, None));
    let b = permit(ledger.acquire(0, 1_000, None));
    assert_ne!(a, b);
    // Both in flight: neither can leave the window before now + 100.
    assert_eq!(until(ledger.acquire(10, 1_000, None)), 110);
    ledger.release(a, 20);
    ledger.release(b, 30);
    // The caller told 110 is first in line (now 120); the next one is behind it.
    assert_eq!(until(ledger.acquire(40, 1_000, None)), 130);
    assert!(matches!(ledger.acquire(130, 1_000, None), Grant::Go(_)));
}

#[test]
fn callers_told_to_wait_keep_their_place_in_line() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(0, 1_000, None));
    let b = permit(ledger.acquire(0, 1_000, None));
    let Grant::Wait {
        until: first,
        ticket,
    } = ledger.acquire(0, 1_000, None)
    else {
        panic!("no room")
    };
    assert_eq!(first, 100);
    assert_eq!(
        until(ledger.acquire(0, 1_000, None)),
        100,
        "the second slot"
    );
    assert_eq!(until(ledger.acquire(0, 1_000, None)), 200, "behind both");
    ledger.release(a, 40);
    ledger.release(b, 50);
    // The first caller is back at 100, early: the answers came later than reckoned.
    assert_eq!(
        ledger.acquire(100, 1_000, Some(ticket)),
        Grant::Wait { until: 140, ticket },
        "still first in line"
    );
    assert!(matches!(
        ledger.acquire(140, 1_000, Some(ticket)),
        Grant::Go(_)
    ));
}

#[test]
fn a_pause_holds_every_permit_until_it_ends() {
    let mut ledger = Ledger::new(&[]);
    ledger.pause_until(5_000);
    assert_eq!(until(ledger.acquire(1_000, 1_000, None)), 5_000);
    assert!(matches!(ledger.acquire(5_000, 1_000, None), Grant::Go(_)));
}

#[test]
fn a_permit_never_reported_counts_until_its_lease_ends_then_as_answered() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    permit(ledger.acquire(0, 50, None));
    permit(ledger.acquire(0, 50, None));
    assert_eq!(ledger.in_flight(), 2);
    // At 60 both leases have ended: counted as answered at 60, in the window until 160.
    assert_eq!(until(ledger.acquire(60, 50, None)), 160);
    assert_eq!(ledger.in_flight(), 0);
    assert!(matches!(ledger.acquire(160, 50, None), Grant::Go(_)));
}

#[test]
fn a_late_report_of_an_expired_permit_is_not_counted_twice() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(0, 10, None));
    permit(ledger.acquire(20, 1_000, None)); // a's lease ended: answered at 20
    ledger.release(a, 30);
    assert_eq!(ledger.in_flight(), 1, "the other permit is still out");
    ledger.release(12_345, 30); // never issued: ignored
    assert_eq!(ledger.in_flight(), 1);
}

#[test]
fn answer_times_never_go_backwards() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(100, 1_000, None));
    let b = permit(ledger.acquire(100, 1_000, None));
    ledger.release(a, 150);
    ledger.release(b, 90); // a clock behind: counted at 150, not 90
    assert_eq!(until(ledger.acquire(160, 1_000, None)), 250);
}

#[test]
fn a_snapshot_restores_the_same_answers() {
    let limits = [
        Limit {
            calls: 3,
            window_ms: 100,
        },
        Limit {
            calls: 5,
            window_ms: 1_000,
        },
    ];
    let mut ledger = Ledger::new(&limits);
    let first = permit(ledger.acquire(1_000, 500, None));
    permit(ledger.acquire(1_010, 500, None));
    ledger.release(first, 1_040);
    ledger.pause_until(1_050);
    let text = ledger.snapshot();
    let mut restored = Ledger::restore(&limits, &text).expect("restores");
    assert_eq!(restored.snapshot(), text);
    assert_eq!(restored.in_flight(), 1);
    for now in [1_045, 1_060, 1_200, 2_100] {
        assert_eq!(
            restored.clone().acquire(now, 500, None),
            ledger.clone().acquire(now, 500, None),
            "at {now}"
        );
    }
    assert_ne!(
        permit(restored.acquire(1_060, 500, None)),
        first,
        "permit numbers are not reused"
    );
}

#[test]
fn a_damaged_snapshot_is_refused() {
    for text in [
        "",
        "2 0 1 0 | |",
        "1 0 1 0 | x:1 |",
        "1 0 1 0 | | 5 -1",
        "1 0 1 0 | | +5",
        "1 0 1 0 | | 99999999999999999999",
        "1 0 1 10 | | 50",
        "1 0 1 0 | | | 1",
    ] {
        assert!(Ledger::restore(&TWO_PER_100, text).is_none(), "{text:?}");
    }
    assert!(Ledger::restore(&TWO_PER_100, "1 0 1 0 | |").is_some());
}

#[test]
fn a_burst_from_many_clients_never_exceeds_the_limit_as_the_server_counts() {
    // Many callers share one ledger; requests take 30 ms to arrive and 30 more to
    // be answered, and a caller told to wait asks again when told, with its ticket.
    let limits = [Limit {
        calls: 10,
        window_ms: 200,
    }];
    let mut ledger = Ledger::new(&limits);
    // When each of 90 requests asks next, and with which ticket.
    let mut due: Vec<(u64, Option<u64>)> = vec![(0, None); 90];
    let (mut arrivals, mut pending) = (Vec::new(), Vec::<(u64, u64, u64)>::new());
    let (mut now, mut asked) = (0, 0);
    while !due.is_empty() || !pending.is_empty() {
        pending.retain(|&(permit, arrival, answer)| {
            if answer > now {
                return true;
            }
            arrivals.push(arrival);
            ledger.release(permit, now);
            false
        });
        let mut waiting = Vec::new();
        for (at, ticket) in due.drain(..) {
            if at > now {
                waiting.push((at, ticket));
                continue;
            }
            asked += 1;
            match ledger.acquire(now, 10_000, ticket) {
                Grant::Go(permit) => pending.push((permit, now + 30, now + 60)),
                Grant::Wait { until, ticket } => {
                    assert!(until > now, "the wait ends in the future");
                    waiting.push((until, Some(ticket)));
                }
            }
        }
        due = waiting;
        now += 1;
    }
    // Callers come back one slot after another, not all at once (that would be
    // thousands of requests): a few each, as slots are reckoned before answers come.
    assert!(asked <= 4 * 90, "{asked} requests for permits");
    assert_eq!(arrivals.len(), 90);
    for &start in &arrivals {
        let seen = arrivals
            .iter()
            .filter(|&&a| a >= start && a < start + 200)
            .count();
        assert!(seen <= 10, "{seen} in 200 ms");
    }
    // The lower bound is 8 windows after the first; each adds one round trip (60 ms).
    assert!(now <= 8 * 200 + 9 * 60 + 2, "finished at {now}");
}
