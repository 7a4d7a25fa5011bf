//! Devices (`GET /api/machines`): the machine entity with the fields Defender documents,
//! the ten named devices the default seed's actions run on (their fixed ids), and the
//! demo tenant's fleet of [`FLEET_SIZE`] devices with realistic names
//! (`desktop-fin-042.contoso.local`, `srv-sql-02.contoso.local`, …). Every attribute is
//! drawn from a fixed-seed generator keyed by the device's name, so runs are identical
//! apart from times, which are relative to the simulator's start.

use serde_json::{json, Value};

use crate::util::{format_iso, hex_digest, stable_guid, Rng};

/// Devices in the demo tenant.
pub const FLEET_SIZE: usize = 300;
pub const DOMAIN: &str = ".contoso.local";

/// The devices of the default seed's actions: (host name, id, health). The stuck
/// actions' devices are the unhealthy ones, which is why their actions are stuck.
pub const NAMED: [(&str, &str, &str); 10] = [
    (
        "desktop-fin-042",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4",
        "Inactive",
    ),
    (
        "laptop-hr-113",
        "b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5",
        "ImpairedCommunication",
    ),
    (
        "srv-web-007",
        "c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6",
        "Active",
    ),
    (
        "desktop-eng-230",
        "d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607",
        "Inactive",
    ),
    (
        "laptop-exec-001",
        "e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718",
        "Active",
    ),
    (
        "desktop-mkt-019",
        "f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829",
        "Active",
    ),
    (
        "srv-db-002",
        "0718293a4b5c6d7e8f90a1b2c3d4e5f60718293a",
        "Active",
    ),
    (
        "desktop-fin-017",
        "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e",
        "Active",
    ),
    (
        "laptop-sales-101",
        "2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
        "Active",
    ),
    (
        "kiosk-lobby-003",
        "3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
        "NoSensorData",
    ),
];

/// Workstation departments: (name part, tag, subnet).
const DEPARTMENTS: [(&str, &str, u8); 9] = [
    ("fin", "Finance", 10),
    ("hr", "HR", 11),
    ("eng", "Engineering", 12),
    ("mkt", "Marketing", 13),
    ("sales", "Sales", 14),
    ("ops", "Operations", 15),
    ("legal", "Legal", 16),
    ("it", "IT", 17),
    ("exec", "Executive", 18),
];
const SERVER_ROLES: [&str; 6] = ["sql", "web", "app", "dc", "file", "db"];
const KIOSK_SITES: [&str; 2] = ["lobby", "warehouse"];

/// (osPlatform, version, osBuild, osVersion).
type Os = (&'static str, &'static str, Option<u32>, &'static str);
const WIN11: [Os; 2] = [
    ("Windows11", "23H2", Some(22631), "10.0.22631.4460"),
    ("Windows11", "24H2", Some(26100), "10.0.26100.2314"),
];
const WIN10: Os = ("Windows10", "22H2", Some(19045), "10.0.19045.5131");
const MACOS: Os = ("macOS", "14.7", None, "14.7.1");
const SERVERS: [Os; 3] = [
    ("WindowsServer2022", "21H2", Some(20348), "10.0.20348.2849"),
    ("WindowsServer2019", "1809", Some(17763), "10.0.17763.6532"),
    ("WindowsServer2016", "1607", Some(14393), "10.0.14393.7515"),
];
const LINUX: Os = ("Ubuntu", "22.04", None, "22.04");

/// A device's id when it has no fixed one: 40 hex digits, like Defender's.
pub fn machine_id(host: &str) -> String {
    hex_digest(host)[..40].to_owned()
}

/// The machine entity for `host` (no domain), seen relative to `start` (Unix seconds).
/// `health` overrides the drawn `healthStatus`.
pub fn machine(host: &str, id: &str, health: Option<&str>, start: u64) -> Value {
    let mut rng = Rng::from_label(host);
    let mut parts = host.split('-');
    let kind = parts.next().unwrap_or("desktop");
    let group = parts.next().unwrap_or("it");
    let dept = DEPARTMENTS.iter().find(|d| d.0 == group);
    let server = kind == "srv";
    let os = match kind {
        "srv" if group == "web" && rng.range(0, 2) == 0 => LINUX,
        "srv" => SERVERS[[0, 0, 0, 1, 1, 2][rng.range(0, 6) as usize]],
        "kiosk" => WIN10,
        _ => match rng.range(0, 100) {
            0..=59 => *rng.pick(&WIN11),
            60..=94 => WIN10,
            _ => MACOS,
        },
    };
    let health = health.unwrap_or(match rng.range(0, 100) {
        0..=81 => "Active",
        82..=90 => "Inactive",
        91..=95 => "ImpairedCommunication",
        _ => "NoSensorData",
    });
    let last_seen = start.saturating_sub(match health {
        "Active" => rng.range(300, 6 * 3600),
        "Inactive" => rng.range(8 * 86_400, 45 * 86_400),
        _ => rng.range(86_400, 3 * 86_400),
    });
    let first_seen = last_seen.saturating_sub(rng.range(30 * 86_400, 700 * 86_400));
    let (rbac_id, rbac_name, tags): (u32, String, Vec<&str>) = match (kind, dept) {
        ("srv", _) if group == "dc" => (200, "Servers - Tier 0".into(), vec!["Server", "Tier0"]),
        ("srv", _) => (201, "Servers - Tier 1".into(), vec!["Server"]),
        ("kiosk", _) => (301, "Kiosks".into(), vec!["Kiosk"]),
        (_, Some(&(_, tag, _))) if group == "exec" => {
            (108, format!("Workstations - {tag}"), vec![tag, "VIP"])
        }
        (_, Some(&(_, tag, subnet))) => (
            100 + u32::from(subnet - 10),
            format!("Workstations - {tag}"),
            vec![tag],
        ),
        _ => (100, "Workstations".into(), vec![]),
    };
    let subnet = dept.map_or(if server { 1 } else { 30 }, |d| d.2);
    let aad = !server && os.0 != "macOS";
    let high_value = server && matches!(group, "dc" | "sql" | "db") || group == "exec";
    json!({
        "id": id,
        "computerDnsName": format!("{host}{DOMAIN}"),
        "firstSeen": format_iso(first_seen, rng.range(0, 10_000_000) as u32),
        "lastSeen": format_iso(last_seen, rng.range(0, 10_000_000) as u32),
        "osPlatform": os.0,
        "osVersion": os.3,
        "osProcessor": "x64",
        "version": os.1,
        "lastIpAddress": format!("10.{subnet}.{}.{}", rng.range(0, 256), rng.range(2, 255)),
        "lastExternalIpAddress": format!(
            "{}.{}",
            if server { "198.51.100" } else { "203.0.113" },
            rng.range(1, 255)
        ),
        "agentVersion": format!("10.8760.{}.{}", os.2.unwrap_or(0), rng.range(1000, 2000)),
        "osBuild": os.2,
        "healthStatus": health,
        "deviceValue": if high_value { "High" } else { "Normal" },
        "rbacGroupId": rbac_id,
        "rbacGroupName": rbac_name,
        "riskScore": rng.pick(&["None", "Informational", "Low", "Low", "Medium", "High"]),
        "exposureLevel": rng.pick(&["Low", "Medium", "Medium", "High"]),
        "isAadJoined": aad,
        "aadDeviceId": if aad { Value::from(stable_guid(&format!("aad:{host}"))) } else { Value::Null },
        "machineTags": tags,
        "onboardingStatus": "Onboarded",
    })
}

/// The default seed's devices: the ten [`NAMED`] ones.
pub fn named(start: u64) -> Vec<Value> {
    NAMED
        .iter()
        .map(|&(host, id, health)| machine(host, id, Some(health), start))
        .collect()
}

/// The demo tenant: the [`NAMED`] devices, then generated ones up to [`FLEET_SIZE`].
pub fn fleet(start: u64) -> Vec<Value> {
    let mut hosts: Vec<String> = NAMED.iter().map(|n| n.0.to_owned()).collect();
    let mut rng = Rng::new(0x00C0_FFEE);
    while hosts.len() < FLEET_SIZE {
        let host = match rng.range(0, 100) {
            0..=44 => {
                let dept = rng.pick(&DEPARTMENTS[..8]).0;
                format!("desktop-{dept}-{:03}", rng.range(1, 251))
            }
            45..=84 => {
                let dept = rng.pick(&DEPARTMENTS).0;
                format!("laptop-{dept}-{:03}", rng.range(1, 251))
            }
            85..=96 => format!("srv-{}-{:02}", rng.pick(&SERVER_ROLES), rng.range(1, 21)),
            _ => format!("kiosk-{}-{:03}", rng.pick(&KIOSK_SITES), rng.range(1, 13)),
        };
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let mut out = named(start);
    out.extend(
        hosts[NAMED.len()..]
            .iter()
            .map(|h| machine(h, &machine_id(h), None, start)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::parse_iso;

    const START: u64 = 1_795_964_645;

    #[test]
    fn fleet_is_unique_well_formed_and_the_same_each_run() {
        let fleet = fleet(START);
        assert_eq!(fleet.len(), FLEET_SIZE);
        assert_eq!(fleet, super::fleet(START));
        let mut ids: Vec<&str> = fleet.iter().map(|m| m["id"].as_str().unwrap()).collect();
        let mut names: Vec<&str> = fleet
            .iter()
            .map(|m| m["computerDnsName"].as_str().unwrap())
            .collect();
        for m in &fleet {
            let id = m["id"].as_str().unwrap();
            assert!(
                id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}"
            );
            let seen = parse_iso(m["lastSeen"].as_str().unwrap()).unwrap();
            assert!(seen <= START as i64 * 10_000_000);
            assert!(parse_iso(m["firstSeen"].as_str().unwrap()).unwrap() <= seen);
            assert_eq!(m.as_object().unwrap().len(), 22);
        }
        ids.sort_unstable();
        ids.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!((ids.len(), names.len()), (FLEET_SIZE, FLEET_SIZE));
        for platform in ["Windows11", "Windows10", "WindowsServer2019", "macOS"] {
            assert!(
                fleet.iter().any(|m| m["osPlatform"] == platform),
                "{platform}"
            );
        }
        for health in [
            "Active",
            "Inactive",
            "ImpairedCommunication",
            "NoSensorData",
        ] {
            assert!(
                fleet.iter().any(|m| m["healthStatus"] == health),
                "{health}"
            );
        }
    }

    #[test]
    fn named_devices_keep_their_ids() {
        let m = &named(START)[0];
        assert_eq!(m["computerDnsName"], "desktop-fin-042.contoso.local");
        assert_eq!(m["id"], NAMED[0].1);
        assert_eq!(m["healthStatus"], "Inactive");
        assert_eq!(m["machineTags"], json!(["Finance"]));
    }
}
