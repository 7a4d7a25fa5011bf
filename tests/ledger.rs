//! The shared quota's ledger: permits for many clients, one budget.

use mde_machine_actions::quota::{Grant, Ledger, Limit};

const TWO_PER_100: [Limit; 1] = [Limit {
    calls: 2,
    window_ms: 100,
}];

fn permit(grant: Grant) -> u64 {
    match grant {
        Grant::Go(permit) => permit,
        Grant::NotBefore(at) => panic!("expected a permit, got not before {at}"),
    }
}

#[test]
fn permits_go_while_there_is_room_then_the_answer_is_not_before() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(0, 1_000));
    let b = permit(ledger.acquire(0, 1_000));
    assert_ne!(a, b);
    // Both in flight: neither can leave the window before now + 100.
    assert_eq!(ledger.acquire(10, 1_000), Grant::NotBefore(110));
    ledger.release(a, 20);
    ledger.release(b, 30);
    assert_eq!(ledger.acquire(40, 1_000), Grant::NotBefore(120));
    assert!(matches!(ledger.acquire(120, 1_000), Grant::Go(_)));
}

#[test]
fn a_pause_holds_every_permit_until_it_ends() {
    let mut ledger = Ledger::new(&[]);
    ledger.pause_until(5_000);
    assert_eq!(ledger.acquire(1_000, 1_000), Grant::NotBefore(5_000));
    assert!(matches!(ledger.acquire(5_000, 1_000), Grant::Go(_)));
}

#[test]
fn a_permit_never_reported_counts_until_its_lease_ends_then_as_answered() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    permit(ledger.acquire(0, 50));
    permit(ledger.acquire(0, 50));
    assert_eq!(ledger.in_flight(), 2);
    // At 60 both leases have ended: counted as answered at 60, in the window until 160.
    assert_eq!(ledger.acquire(60, 50), Grant::NotBefore(160));
    assert_eq!(ledger.in_flight(), 0);
    assert!(matches!(ledger.acquire(160, 50), Grant::Go(_)));
}

#[test]
fn a_late_report_of_an_expired_permit_is_not_counted_twice() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(0, 10));
    permit(ledger.acquire(20, 1_000)); // a's lease ended: answered at 20
    ledger.release(a, 30);
    assert_eq!(ledger.in_flight(), 1, "the other permit is still out");
    ledger.release(12_345, 30); // never issued: ignored
    assert_eq!(ledger.in_flight(), 1);
}

#[test]
fn answer_times_never_go_backwards() {
    let mut ledger = Ledger::new(&TWO_PER_100);
    let a = permit(ledger.acquire(100, 1_000));
    let b = permit(ledger.acquire(100, 1_000));
    ledger.release(a, 150);
    ledger.release(b, 90); // a clock behind: counted at 150, not 90
    assert_eq!(ledger.acquire(160, 1_000), Grant::NotBefore(250));
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
    let first = permit(ledger.acquire(1_000, 500));
    permit(ledger.acquire(1_010, 500));
    ledger.release(first, 1_040);
    ledger.pause_until(1_050);
    let text = ledger.snapshot();
    let mut restored = Ledger::restore(&limits, &text).expect("restores");
    assert_eq!(restored.snapshot(), text);
    assert_eq!(restored.in_flight(), 1);
    for now in [1_045, 1_060, 1_200, 2_100] {
        assert_eq!(
            restored.clone().acquire(now, 500),
            ledger.clone().acquire(now, 500),
            "at {now}"
        );
    }
    assert_ne!(
        permit(restored.acquire(1_060, 500)),
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
        "1 0 1 10 | | 50",
        "1 0 1 0 | | | 1",
    ] {
        assert!(Ledger::restore(&TWO_PER_100, text).is_none(), "{text:?}");
    }
    assert!(Ledger::restore(&TWO_PER_100, "1 0 1 0 | |").is_some());
}

#[test]
fn a_burst_from_many_clients_never_exceeds_the_limit_as_the_server_counts() {
    // Three clients share one ledger; requests take 30 ms to arrive and 30 more to
    // be answered, and a client only learns "not before" and waits until then.
    let limits = [Limit {
        calls: 10,
        window_ms: 200,
    }];
    let mut ledger = Ledger::new(&limits);
    let mut due = vec![0u64; 90]; // when each of 90 requests asks next
    let (mut arrivals, mut pending) = (Vec::new(), Vec::<(u64, u64, u64)>::new());
    let mut now = 0;
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
        for at in due.drain(..) {
            if at > now {
                waiting.push(at);
                continue;
            }
            match ledger.acquire(now, 10_000) {
                Grant::Go(permit) => pending.push((permit, now + 30, now + 60)),
                Grant::NotBefore(t) => {
                    assert!(t > now, "not before is in the future");
                    waiting.push(t);
                }
            }
        }
        due = waiting;
        now += 1;
    }
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
