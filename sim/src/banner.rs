//! The human banner of `--banner`, printed after the two start-up lines for
//! `cargo xtask demo`: where to point a browser, the seeded actions that can still be
//! cancelled, and, with the demo seed, the misfired playbook to try the bulk flow on.

use crate::state::{self, SeedKind};
use crate::{demo, seed, util};

/// The banner for a simulator on `port` seeded with `seed_kind`; `extra` (e.g. [`signin`])
/// goes before the closing lines.
pub fn banner(port: u16, seed_kind: SeedKind, tokens: &[String], extra: &str) -> String {
    // Only the well-known default token is named; a token given with --token is not echoed.
    let hint = if tokens.iter().any(|t| t == state::DEFAULT_TOKEN) {
        format!(" (token: {})", state::DEFAULT_TOKEN)
    } else {
        String::new()
    };
    let mut b = format!("\nOpen http://127.0.0.1:{port}/ in a browser{hint}.\n");
    let (actions, _) = seed::load(seed_kind, util::now_secs());
    let field = |a: &serde_json::Value, k: &str| a[k].as_str().unwrap_or("-").to_owned();
    // The playbook's scans get one line, not 150.
    let (playbook, open): (Vec<_>, Vec<_>) = actions
        .iter()
        .filter(|a| matches!(a["status"].as_str(), Some("Pending" | "InProgress")))
        .partition(|a| a["requestor"] == demo::PLAYBOOK_REQUESTOR);
    if open.is_empty() {
        b.push_str("No seeded actions (add some with PUT /_sim/actions/{id}).\n");
    } else {
        b.push_str("Seeded actions you can cancel:\n");
        for a in open {
            b.push_str(&format!(
                "  {}  {:<10}  {:<27}  {}\n",
                field(a, "id"),
                field(a, "status"),
                field(a, "type"),
                field(a, "computerDnsName"),
            ));
        }
    }
    if !playbook.is_empty() {
        b.push_str(&format!(
            "A misfired playbook left {} Pending full scans (RunAntiVirusScan) an hour ago:\n  \
             {:?} from {}\n  try Find (requestor {}, status Pending) → Cancel selected.\n",
            playbook.len(),
            demo::PLAYBOOK_COMMENT,
            demo::PLAYBOOK_REQUESTOR,
            demo::PLAYBOOK_REQUESTOR,
        ));
    }
    b.push_str(extra);
    b.push_str("POST /_sim/reset (with the control secret above as x-sim-secret) restores them.\n");
    b.push_str("Ctrl-C stops it.\n");
    b
}

/// With `--tls-port`, how to try analysts' sign-in: the Chromium flag that trusts this run's
/// certificate (by its key's hash, never every certificate), and what the page's sign-in
/// settings take. The sign-in is for an edge proxy (the Worker), which checks the token.
pub fn signin(spki_sha256: &str, authority: &str, oidc: &crate::oidc::OidcConfig) -> String {
    format!(
        "\nTry the sign-in (Entra ID at {authority}; a new certificate on every start):\n  \
         1. start the edge Worker against this simulator (README, \"Try the sign-in\");\n  \
         2. start Chromium trusting this certificate, and no other:\n       \
         chromium --user-data-dir=\"$(mktemp -d)\" --ignore-certificate-errors-spki-list={spki_sha256}\n  \
         3. on the page: Custom base URL = the Worker, then in the connection's sign-in settings\n       \
         Authority  {authority}\n       \
         Client ID  {}\n       \
         API scope  api://{}/{}\n     \
         and press Sign in (users: operator, reader, norole).\n",
        oidc.client_id,
        oidc.api_audience,
        crate::oidc::API_SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_lists_open_seeded_actions() {
        let b = banner(8080, SeedKind::Default, &["sim-token".to_owned()], "");
        assert!(b.contains("Open http://127.0.0.1:8080/ in a browser"));
        assert!(b.contains(seed::PENDING_ISOLATE));
        assert!(b.contains(seed::IN_PROGRESS_LIVE_RESPONSE));
        assert!(!b.contains(seed::SUCCEEDED));
        assert!(!b.contains(seed::CANCELLED));
        assert!(b.contains("Ctrl-C stops it"));
        assert!(!b.contains("playbook"));
        let demo = banner(8080, SeedKind::Demo, &["sim-token".to_owned()], "");
        assert!(demo.contains(seed::PENDING_ISOLATE));
        assert!(demo.contains("150 Pending full scans"));
        assert!(demo.contains("Cancel selected"));
        assert!(demo.lines().count() < 20, "{demo}");
        let none = banner(1, SeedKind::None, &["other".to_owned()], "");
        assert!(!none.contains("other"));
        assert!(none.contains("No seeded actions") && none.contains("Ctrl-C stops it"));
    }

    #[test]
    fn signin_names_the_spki_flag_and_the_settings() {
        let oidc = crate::oidc::OidcConfig::default();
        let b = signin("abc=", "https://127.0.0.1:8081/t", &oidc);
        assert!(b.contains("--ignore-certificate-errors-spki-list=abc="));
        assert!(b.contains("Authority  https://127.0.0.1:8081/t"));
        assert!(b.contains(&format!("Client ID  {}", oidc.client_id)));
        assert!(b.contains(&format!("api://{}/MachineActions.Use", oidc.api_audience)));
    }
}
