//! Who may do what through a proxy that signs analysts in: the app roles an
//! Entra ID access token must carry for each endpoint. A proxy verifies the
//! token itself (signature, issuer, audience, lifetime); which role each
//! request needs is decided here, once.

use crate::response::Operation;

/// The app role that lets a person list and read machine actions and look
/// up devices.
pub const READ_ROLE: &str = "MachineActions.Read";

/// The app role that lets a person cancel machine actions.
pub const CANCEL_ROLE: &str = "MachineActions.Cancel";

/// The role a request to `operation` needs.
pub fn required_role(operation: Operation) -> &'static str {
    match operation {
        Operation::Cancel => CANCEL_ROLE,
        Operation::Get | Operation::List | Operation::Machines => READ_ROLE,
    }
}

/// True when `roles` (a token's `roles` claim) allow `operation`. Each role
/// grants exactly what it names: cancelling does not imply reading.
pub fn permits<S: AsRef<str>>(roles: &[S], operation: Operation) -> bool {
    let needed = required_role(operation);
    roles.iter().any(|role| role.as_ref() == needed)
}
