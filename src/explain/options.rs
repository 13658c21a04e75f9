//! The options of `explain`: the verifier options plus an optional `retiredSecrets` list.

use serde_json::Value;

use crate::error::Error;
use crate::options::Options;
use crate::secret::{parse_secrets, Secret};
use crate::status::Status;

pub(super) fn split_options(options_json: &[u8]) -> Result<(Options, Vec<Secret>), Error> {
    let mut retired = Vec::new();
    if options_json.is_empty() {
        return Ok((Options::for_verifier(options_json)?, retired));
    }
    let mut value: Value = serde_json::from_slice(options_json)
        .map_err(|_| Error::new(Status::InvalidOptions, "options are not valid JSON"))?;
    if let Some(map) = value.as_object_mut() {
        if let Some(list) = map.remove("retiredSecrets") {
            if list.as_array().is_some_and(|a| !a.is_empty()) {
                retired = parse_secrets(&list, "options: \"retiredSecrets\"")?;
            } else if !list.is_array() {
                return Err(Error::new(
                    Status::InvalidOptions,
                    "options: \"retiredSecrets\" must be an array of strings",
                ));
            }
        }
    }
    let rest = serde_json::to_vec(&value)
        .map_err(|_| Error::new(Status::InvalidOptions, "options are not valid JSON"))?;
    Ok((Options::for_verifier(&rest)?, retired))
}
