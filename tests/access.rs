//! What a proxy that signs analysts in lets each of them do, and how their
//! name reaches Defender's audit trail.

use mde_machine_actions::access::{permits, required_role, CANCEL_ROLE, READ_ROLE};
use mde_machine_actions::input::{Comment, MAX_COMMENT_CHARS};
use mde_machine_actions::{ErrorKind, Operation};

#[test]
fn each_endpoint_needs_its_role_and_each_role_grants_only_what_it_names() {
    assert_eq!(required_role(Operation::Cancel), "MachineActions.Cancel");
    for read in [Operation::Get, Operation::List, Operation::Machines] {
        assert_eq!(required_role(read), "MachineActions.Read");
    }
    let operator = [READ_ROLE, CANCEL_ROLE];
    assert!(Operation::ALL.iter().all(|&op| permits(&operator, op)));
    let reader = [READ_ROLE];
    assert!(permits(&reader, Operation::List));
    assert!(!permits(&reader, Operation::Cancel));
    let canceller = [CANCEL_ROLE];
    assert!(!permits(&canceller, Operation::Get));
    let nobody: [&str; 0] = [];
    assert!(Operation::ALL.iter().all(|&op| !permits(&nobody, op)));
    assert!(!permits(&["machineactions.cancel"], Operation::Cancel));
}

#[test]
fn the_comment_names_the_person_within_the_limit() {
    let comment = Comment::parse("Stuck isolation").unwrap();
    assert_eq!(
        comment.attributed("alice@contoso.com").unwrap().as_str(),
        "[alice@contoso.com] Stuck isolation"
    );
    let long = Comment::parse(&"é".repeat(MAX_COMMENT_CHARS)).unwrap();
    let attributed = long.attributed("alice@contoso.com").unwrap();
    assert_eq!(attributed.as_str().chars().count(), MAX_COMMENT_CHARS);
    assert!(attributed.as_str().starts_with("[alice@contoso.com] éé"));
    assert!(attributed.as_str().ends_with("é…"));
    // What comes out is itself a valid comment.
    assert_eq!(Comment::parse(attributed.as_str()).unwrap(), attributed);
    for bad in ["", "  ", "a\nb", &"x".repeat(257)] {
        let error = comment.attributed(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
}
