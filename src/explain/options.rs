//! The options of `explain`: the verifier options plus an optional `retiredSecrets` list (secrets
//! no longer configured, only used to recognise a signature).

use crate::error::Error;
use crate::options::Options;
use crate::secret::Secret;

pub(super) fn split_options(options_json: &[u8]) -> Result<(Options, Vec<Secret>), Error> {
    let (options, retired) = Options::parse_with(options_json, true)?;
    Ok((options.require_secrets()?, retired))
}
