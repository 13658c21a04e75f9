//! The `suggested` shop states: per platform, the order state to set for each outcome. A default
//! table (WooCommerce, PrestaShop) that the `suggestedStates` option overrides.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::sync::{Arc, OnceLock};

use crate::outcome::Outcome;

/// Per-platform shop states for each outcome; `None` means "leave the order as it is". Cheap to
/// clone: the tables are shared, and copied only when a platform is changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedStates(Arc<Tables>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tables {
    platforms: Vec<(String, [Option<String>; 12])>,
    /// `suggested` for each outcome, built once from `platforms` and shared by every event.
    by_outcome: Vec<Suggested>,
    /// The JSON of each of `by_outcome`, written once (results copy it).
    by_outcome_json: Vec<String>,
}

const DEFAULT_SUGGESTED: [(&str, [Option<&str>; 12]); 2] = [
    (
        "woocommerce",
        [
            Some("pending"),
            Some("on-hold"),
            Some("on-hold"),
            Some("processing"),
            Some("failed"),
            Some("failed"),
            Some("cancelled"),
            Some("on-hold"),
            None,
            Some("refunded"),
            None,
            None,
        ],
    ),
    (
        "prestashop",
        [
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_PAYMENT"),
            Some("PS_OS_ERROR"),
            Some("PS_OS_CANCELED"),
            Some("PS_OS_CANCELED"),
            Some("PS_OS_ERROR"),
            None,
            Some("PS_OS_REFUND"),
            None,
            None,
        ],
    ),
];

impl Default for SuggestedStates {
    fn default() -> SuggestedStates {
        // The default tables, built on first use and never changed: every Options::default()
        // shares them instead of building 26 strings.
        static DEFAULT: OnceLock<Arc<Tables>> = OnceLock::new();
        SuggestedStates(
            DEFAULT
                .get_or_init(|| {
                    Arc::new(Tables::new(
                        DEFAULT_SUGGESTED
                            .iter()
                            .map(|(name, row)| {
                                (name.to_string(), row.map(|s| s.map(str::to_owned)))
                            })
                            .collect(),
                    ))
                })
                .clone(),
        )
    }
}

impl Tables {
    fn new(platforms: Vec<(String, [Option<String>; 12])>) -> Tables {
        let by_outcome = (0..12)
            .map(|i| {
                Suggested(
                    platforms
                        .iter()
                        .map(|(name, row)| (name.clone(), row[i].clone()))
                        .collect(),
                )
            })
            .collect::<Vec<_>>();
        let by_outcome_json = by_outcome
            .iter()
            // A map of strings: serializing it cannot fail.
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect();
        Tables {
            platforms,
            by_outcome,
            by_outcome_json,
        }
    }
}

impl SuggestedStates {
    /// Replaces the given entries of a platform (adding the platform, all `None`, if new).
    pub fn set_platform(&mut self, platform: &str, entries: Vec<(Outcome, Option<String>)>) {
        let mut platforms = self.0.platforms.clone();
        let index = match platforms.iter().position(|(name, _)| name == platform) {
            Some(i) => i,
            None => {
                platforms.push((platform.to_owned(), Default::default()));
                platforms.len() - 1
            }
        };
        for (outcome, state) in entries {
            platforms[index].1[outcome.index()] = state;
        }
        self.0 = Arc::new(Tables::new(platforms));
    }

    /// The state a platform suggests for an outcome.
    pub fn get(&self, platform: &str, outcome: Outcome) -> Option<&str> {
        self.0
            .platforms
            .iter()
            .find(|(name, _)| name == platform)
            .and_then(|(_, row)| row[outcome.index()].as_deref())
    }

    pub(crate) fn for_outcome(&self, outcome: Outcome) -> &Suggested {
        &self.0.by_outcome[outcome.index()]
    }

    /// The JSON of [`SuggestedStates::for_outcome`].
    pub(crate) fn json_for(&self, outcome: Outcome) -> &str {
        &self.0.by_outcome_json[outcome.index()]
    }
}

/// The `suggested` object of an event: platform → state or null, in table order.
#[derive(Clone, Debug, PartialEq, Eq)]
/// Shared: every event with the same outcome holds the same table (cloning it allocates nothing).
pub struct Suggested(pub Arc<[(String, Option<String>)]>);

impl Serialize for Suggested {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (platform, state) in self.0.iter() {
            map.serialize_entry(platform, state)?;
        }
        map.end()
    }
}
