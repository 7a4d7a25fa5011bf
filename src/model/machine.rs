//! The Machine entity (`GET /api/machines`), typed with serde.

use super::state::required_string;
use crate::lenient;
use serde::{Deserialize, Serialize};

/// A device as Defender reports it: the typed view of its documented fields.
/// Read leniently like [`crate::MachineAction`]: a field of the wrong type
/// reads as `None`, and the listing keeps each body whole besides.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Machine {
    /// The device id: 40 hex digits. Empty when the body had no string `id`
    /// (such an entry is left out of a listing).
    #[serde(default, deserialize_with = "required_string")]
    pub id: String,
    /// `computerDnsName`: the device's name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub computer_dns_name: Option<String>,
    /// `firstSeen`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_seen: Option<String>,
    /// `lastSeen`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_seen: Option<String>,
    /// `osPlatform`, e.g. `Windows11`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub os_platform: Option<String>,
    /// `osVersion`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub os_version: Option<String>,
    /// `osBuild`.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub os_build: Option<i64>,
    /// `version`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub version: Option<String>,
    /// `agentVersion`: the sensor's version.
    #[serde(default, deserialize_with = "lenient::string")]
    pub agent_version: Option<String>,
    /// `lastIpAddress`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_ip_address: Option<String>,
    /// `lastExternalIpAddress`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_external_ip_address: Option<String>,
    /// `healthStatus`: `Active`, `Inactive`, `ImpairedCommunication`,
    /// `NoSensorData`, …
    #[serde(default, deserialize_with = "lenient::string")]
    pub health_status: Option<String>,
    /// `onboardingStatus`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub onboarding_status: Option<String>,
    /// `rbacGroupName`: the device group.
    #[serde(default, deserialize_with = "lenient::string")]
    pub rbac_group_name: Option<String>,
    /// `riskScore`: `None`, `Low`, `Medium`, `High`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub risk_score: Option<String>,
    /// `exposureLevel`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub exposure_level: Option<String>,
    /// `deviceValue`: `Normal`, `Low`, `High`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub device_value: Option<String>,
    /// `aadDeviceId`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub aad_device_id: Option<String>,
}

impl Machine {
    /// The typed view of a parsed device.
    pub fn from_json(json: &crate::RawJson) -> Machine {
        crate::raw::decode(json).unwrap_or_default()
    }
}
