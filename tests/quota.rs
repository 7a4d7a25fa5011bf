//! The client-side quota: send times that keep every limit, first come first served.

use mde_machine_actions::quota::{Budget, Limit, DEFENDER_LIMITS};

/// Checks that no `window_ms` holds more than `calls` of `times`.
fn within(times: &[u64], limit: Limit) -> bool {
    times.iter().all(|&start| {
        times
            .iter()
            .filter(|&&t| t >= start && t < start + limit.window_ms)
            .count()
            <= limit.calls as usize
    })
}

#[test]
fn a_burst_is_spread_over_windows() {
    let limits = [
        Limit {
            calls: 100,
            window_ms: 1_000,
        },
        Limit {
            calls: 250,
            window_ms: 10_000,
        },
    ];
    let mut budget = Budget::new(&limits);
    let times: Vec<u64> = (0..300).map(|_| budget.reserve(0)).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "first come, first served"
    );
    assert_eq!(
        times[..100].iter().filter(|&&t| t == 0).count(),
        100,
        "the first 100 go at once"
    );
    assert!(times[100] >= 1_000);
    assert!(
        times[250] >= 10_000,
        "the hourly-style limit holds too: {}",
        times[250]
    );
    for limit in limits {
        assert!(within(&times, limit));
    }
}

#[test]
fn defenders_limits_are_the_default() {
    let mut budget = Budget::new(&DEFENDER_LIMITS);
    let times: Vec<u64> = (0..1_600).map(|i| budget.reserve(i)).collect();
    assert!(within(&times, DEFENDER_LIMITS[0]));
    assert!(within(&times, DEFENDER_LIMITS[1]));
    assert!(times[1_500] >= 3_600_000);
}

#[test]
fn time_passing_frees_room() {
    let mut budget = Budget::new(&[Limit {
        calls: 2,
        window_ms: 100,
    }]);
    assert_eq!(budget.reserve(0), 0);
    assert_eq!(budget.reserve(0), 0);
    assert!(budget.reserve(0) >= 100);
    assert_eq!(budget.reserve(1_000), 1_000);
}

#[test]
fn a_pause_holds_every_later_send() {
    let mut budget = Budget::new(&DEFENDER_LIMITS);
    budget.pause_until(5_000);
    assert_eq!(budget.reserve(0), 5_000);
    assert_eq!(budget.reserve(6_000), 6_000);
}

#[test]
fn no_limits_means_no_waiting() {
    let mut budget = Budget::new(&[]);
    for _ in 0..10_000 {
        assert_eq!(budget.reserve(7), 7);
    }
}
