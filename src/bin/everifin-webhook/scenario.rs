//! Scenario files for `send` (format: docs/cli.md "Scenario files").
//!
//! A scenario is a list of steps; each step is one webhook delivery: a body (a template, a JSON
//! value, raw text, or the exact body of an earlier step), how it is signed (which configured
//! secrets, a forged secret, or a literal header), deliberate faults (tampering after signing, an
//! old `ts`), the HTTP status the endpoint is expected to answer and, optionally, the decision
//! (action, reason, order outcome) it is expected to report. Bodies may use placeholders:
//!
//! | placeholder | value |
//! |---|---|
//! | `{{eventId}}` | a fresh UUID for this step |
//! | `{{eventTime}}` | the run's start plus the step's `at` offset, `YYYY-MM-DDTHH:MM:SS.mmmZ` |
//! | `{{time:OFFSET}}` | the run's start plus OFFSET (`-90s`, `+2m`, `0s`, `-1h`, `250ms`) |
//! | `{{uuid:LABEL}}` | a UUID made once per run for LABEL (same label, same UUID) |
//! | `{{run}}` | the run id (`--run-id`, default random) |
//! | `{{NAME}}` | the step's `vars.NAME`, else the scenario's `vars.NAME` |
//!
//! Placeholders nest (`{{uuid:payment-{{order}}}}`): the innermost is replaced first.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::CliError;

/// The scenarios that ship with the tool, usable by name from anywhere.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "payment-flow",
        include_str!("../../../scenarios/payment-flow.json"),
    ),
    (
        "order-safety",
        include_str!("../../../scenarios/order-safety.json"),
    ),
    ("rotation", include_str!("../../../scenarios/rotation.json")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileFormat {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    comment: Option<Value>,
    /// How many configured secrets (oldest first) the scenario needs.
    #[serde(default = "one")]
    secrets: usize,
    /// Default for steps without `signWith`.
    #[serde(default)]
    sign_with: Option<Vec<Value>>,
    #[serde(default)]
    vars: Map<String, Value>,
    #[serde(default)]
    templates: Map<String, Value>,
    steps: Vec<StepFormat>,
}

fn one() -> usize {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StepFormat {
    name: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    comment: Option<Value>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    body_raw: Option<String>,
    #[serde(default)]
    repeat: Option<String>,
    #[serde(default)]
    vars: Map<String, Value>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    sign_with: Option<Vec<Value>>,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    tamper: Option<Tamper>,
    expect: u16,
    /// The decision the endpoint should answer with (checked when it answers with one).
    #[serde(default)]
    decision: Option<ExpectedDecision>,
    #[serde(default)]
    delay_ms: u64,
}

/// The decision a step expects (docs/design.md "What endpoints answer").
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpectedDecision {
    /// `apply` or `skip`.
    pub action: String,
    /// `first`, `newer`, `duplicate`, ... (not compared when absent).
    #[serde(default)]
    pub reason: Option<String>,
    /// The order's outcome after the event (not compared when absent).
    #[serde(default)]
    pub order_outcome: Option<String>,
}

/// The reasons of decide, by action (docs/behaviour.md section 6).
pub const REASONS: &[(&str, &[&str])] = &[
    ("apply", &["first", "newer"]),
    (
        "skip",
        &[
            "duplicate",
            "stale",
            "regression",
            "unchanged",
            "same_timestamp",
            "no_outcome",
            "already_paid",
            "recorded",
        ],
    ),
];

impl ExpectedDecision {
    fn check(&self) -> Result<(), String> {
        let Some((_, reasons)) = REASONS.iter().find(|(a, _)| *a == self.action) else {
            return Err(format!(
                "\"decision\": action {:?} is neither \"apply\" nor \"skip\"",
                self.action
            ));
        };
        if let Some(r) = &self.reason {
            if !reasons.contains(&r.as_str()) {
                return Err(format!(
                    "\"decision\": {r:?} is not a reason of {:?} (one of {})",
                    self.action,
                    reasons.join(", ")
                ));
            }
        }
        if let Some(o) = &self.order_outcome {
            if everifin_webhook::Outcome::from_name(o).is_none() {
                return Err(format!("\"decision\": {o:?} is not an outcome name"));
            }
        }
        Ok(())
    }

    /// `skip/duplicate`, `apply/newer -> paid`, `skip`.
    pub fn label(&self) -> String {
        let mut s = self.action.clone();
        if let Some(r) = &self.reason {
            s.push('/');
            s.push_str(r);
        }
        if let Some(o) = &self.order_outcome {
            s.push_str(" -> ");
            s.push_str(o);
        }
        s
    }
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Tamper {
    pub replace: String,
    pub with: String,
}

/// Which secret signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignKey {
    /// The configured secret with this index (oldest first).
    Configured(usize),
    /// A secret the endpoint does not know (a forger's).
    Forged,
}

#[derive(Clone, Debug)]
pub enum Signing {
    /// Sign at send time with these secrets; the header gets `v0`, `v1`, ... in this order.
    Sign(Vec<SignKey>),
    /// Send this header as is; empty means no `Signature` header at all.
    Literal(String),
}

/// The `ts` of the signature.
#[derive(Clone, Debug)]
pub enum Ts {
    /// The moment of sending plus this many milliseconds.
    Offset(i64),
    /// Exactly this text.
    Fixed(String),
}

/// A step ready to send (bodies rendered, references resolved).
#[derive(Clone, Debug)]
pub struct Step {
    pub name: String,
    pub note: Option<String>,
    pub body: Vec<u8>,
    pub signing: Signing,
    pub ts: Ts,
    pub tamper: Option<Tamper>,
    pub expect: u16,
    pub decision: Option<ExpectedDecision>,
    pub delay_ms: u64,
}

#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub secrets: usize,
    pub steps: Vec<Step>,
}

/// Finds a scenario: an existing file path first, else a shipped name (with or without `.json`).
pub fn source(spec: &str) -> Result<(String, String), CliError> {
    let path = Path::new(spec);
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "--scenario {spec:?} is a directory; give a scenario file in it or a shipped name \
             (send --list)"
        )));
    }
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!("cannot read scenario file {}: {e}", path.display()))
        })?;
        return Ok((path.display().to_string(), text));
    }
    let name = spec.strip_suffix(".json").unwrap_or(spec);
    match SHIPPED.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => Ok((format!("{n} (shipped)"), (*text).to_owned())),
        None => Err(CliError::usage(format!(
            "no scenario file {spec:?} and no shipped scenario of that name (shipped: {})",
            SHIPPED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The file of a shipped scenario, as shipped (`--print-scenario`).
pub fn shipped_text(name: &str) -> Result<&'static str, CliError> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            CliError::usage(format!(
                "no shipped scenario {name:?} (shipped: {})",
                SHIPPED
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The shipped scenarios with their descriptions.
pub fn list() -> Vec<(String, String, usize, usize)> {
    SHIPPED
        .iter()
        .map(|(n, text)| match serde_json::from_str::<FileFormat>(text) {
            Ok(f) => ((*n).to_owned(), f.description, f.secrets, f.steps.len()),
            Err(e) => ((*n).to_owned(), format!("(invalid: {e})"), 0, 0),
        })
        .collect()
}

/// Everything a body may refer to.
pub struct Context {
    pub run_id: String,
    pub start_ms: i64,
    uuids: HashMap<String, String>,
}

impl Context {
    pub fn new(run_id: String, start_ms: i64) -> Context {
        Context {
            run_id,
            start_ms,
            uuids: HashMap::new(),
        }
    }
}

/// Parses and prepares a scenario: every body rendered, every reference checked, before anything
/// is sent.
pub fn load(origin: &str, text: &str, ctx: &mut Context) -> Result<Scenario, CliError> {
    let bad = |msg: String| CliError::usage(format!("scenario {origin}: {msg}"));
    // Not an object: say so rather than name the parser's internal type.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if !value.is_object() {
            return Err(bad(
                "a scenario is a JSON object ({\"name\": ..., \"steps\": [...]}, see \
                 docs/cli.md, Scenario files), not an array or a single value"
                    .into(),
            ));
        }
    }
    let file: FileFormat = serde_json::from_str(text).map_err(|e| bad(format!("{e}")))?;
    let _ = &file.comment;
    if file.steps.is_empty() {
        return Err(bad("it has no steps".into()));
    }
    if file.secrets == 0 || file.secrets > everifin_webhook::MAX_SECRETS {
        return Err(bad(format!(
            "\"secrets\" must be 1 to {}",
            everifin_webhook::MAX_SECRETS
        )));
    }
    let default_sign = match &file.sign_with {
        Some(list) => parse_sign_with(list, file.secrets).map_err(bad)?,
        None => vec![SignKey::Configured(0)],
    };
    let scenario_vars = string_vars(&file.vars).map_err(|m| bad(format!("vars: {m}")))?;

    let mut steps: Vec<Step> = Vec::with_capacity(file.steps.len());
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (i, s) in file.steps.iter().enumerate() {
        let n = i + 1;
        let bad = |msg: String| bad(format!("step {n} ({}): {msg}", s.name));
        let _ = &s.comment;
        let vars = string_vars(&s.vars).map_err(|m| bad(format!("vars: {m}")))?;
        let at_ms = match &s.at {
            Some(at) => parse_offset(at).ok_or_else(|| {
                bad(format!(
                    "\"at\" {at:?} is not an offset such as -90s, +2m, 0s, 250ms or 1h"
                ))
            })?,
            None => 0,
        };
        let event_id = crate::random::uuid_v4();
        let mut render = |text: &str| -> Result<String, String> {
            render_text(text, ctx, &vars, &scenario_vars, &event_id, at_ms)
        };
        let sources = usize::from(s.template.is_some())
            + usize::from(s.body.is_some())
            + usize::from(s.body_raw.is_some())
            + usize::from(s.repeat.is_some());
        if sources != 1 {
            return Err(bad(
                "give exactly one of \"template\", \"body\", \"bodyRaw\", \"repeat\"".into(),
            ));
        }
        let body: Vec<u8> = if let Some(t) = &s.template {
            let template = file
                .templates
                .get(t)
                .ok_or_else(|| bad(format!("no template {t:?} in \"templates\"")))?;
            let value = render_value(template, &mut render).map_err(&bad)?;
            serde_json::to_vec(&value).map_err(|e| bad(e.to_string()))?
        } else if let Some(v) = &s.body {
            let value = render_value(v, &mut render).map_err(&bad)?;
            serde_json::to_vec(&value).map_err(|e| bad(e.to_string()))?
        } else if let Some(raw) = &s.body_raw {
            render(raw).map_err(&bad)?.into_bytes()
        } else {
            let r = s.repeat.as_deref().unwrap_or_default();
            let idx = ids
                .get(r)
                .ok_or_else(|| bad(format!("\"repeat\": no earlier step has the id {r:?}")))?;
            steps[*idx].body.clone()
        };
        let signing = match (&s.header, &s.sign_with) {
            (Some(_), Some(_)) => {
                return Err(bad("give \"header\" or \"signWith\", not both".into()))
            }
            (Some(h), None) => {
                check_header_value(h).map_err(&bad)?;
                Signing::Literal(h.clone())
            }
            (None, Some(list)) => Signing::Sign(parse_sign_with(list, file.secrets).map_err(&bad)?),
            (None, None) => Signing::Sign(default_sign.clone()),
        };
        let ts = match s.ts.as_deref() {
            None | Some("now") => Ts::Offset(0),
            Some(t) => match parse_offset(t) {
                Some(ms) => Ts::Offset(ms),
                None => {
                    if everifin_webhook::timestamp::parse_utc_ms(t).is_err() {
                        return Err(bad(format!(
                            "\"ts\" {t:?} is neither \"now\", an offset such as -600s, nor an \
                             RFC 3339 UTC time (for a malformed ts use \"header\")"
                        )));
                    }
                    Ts::Fixed(t.to_owned())
                }
            },
        };
        let tamper = match &s.tamper {
            Some(t) => {
                let replace = render(&t.replace).map_err(&bad)?;
                let with = render(&t.with).map_err(&bad)?;
                if replace.is_empty() || !contains(&body, replace.as_bytes()) {
                    return Err(bad(format!(
                        "\"tamper\": the body does not contain {replace:?}"
                    )));
                }
                Some(Tamper { replace, with })
            }
            None => None,
        };
        if !(100..=599).contains(&s.expect) {
            return Err(bad(format!(
                "\"expect\" {} is not an HTTP status",
                s.expect
            )));
        }
        if let Some(d) = &s.decision {
            d.check().map_err(&bad)?;
            if !(200..=299).contains(&s.expect) {
                return Err(bad(format!(
                    "\"decision\" is only for a step that expects a 2xx answer, not {}",
                    s.expect
                )));
            }
        }
        if let Some(id) = &s.id {
            if ids.insert(id.clone(), i).is_some() {
                return Err(bad(format!("the id {id:?} is used twice")));
            }
        }
        steps.push(Step {
            name: s.name.clone(),
            note: s.note.clone(),
            body,
            signing,
            ts,
            tamper,
            expect: s.expect,
            decision: s.decision.clone(),
            delay_ms: s.delay_ms,
        });
    }
    Ok(Scenario {
        name: file.name,
        description: file.description,
        secrets: file.secrets,
        steps,
    })
}

/// A literal `header` must be sendable: HTTP forbids control characters in a field value (CR or
/// LF would end the header), so the request would fail when sent, after the earlier steps.
fn check_header_value(h: &str) -> Result<(), String> {
    match h
        .bytes()
        .enumerate()
        .find(|&(_, b)| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        Some((i, b)) => Err(format!(
            "\"header\" has the control character 0x{b:02x} at byte {i}: an HTTP header value \
             cannot carry it (CR and LF would end the header); only visible characters, spaces \
             and tabs can be sent"
        )),
        None => Ok(()),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Replaces the first occurrence of `from` in `body` with `to`.
pub fn tamper(body: &[u8], t: &Tamper) -> Vec<u8> {
    let from = t.replace.as_bytes();
    match body.windows(from.len()).position(|w| w == from) {
        Some(pos) => {
            let mut out = Vec::with_capacity(body.len() + t.with.len());
            out.extend_from_slice(&body[..pos]);
            out.extend_from_slice(t.with.as_bytes());
            out.extend_from_slice(&body[pos + from.len()..]);
            out
        }
        None => body.to_vec(),
    }
}

fn string_vars(map: &Map<String, Value>) -> Result<HashMap<String, String>, String> {
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            _ => Err(format!("{k:?} must be a string")),
        })
        .collect()
}

fn parse_sign_with(list: &[Value], secrets: usize) -> Result<Vec<SignKey>, String> {
    if list.is_empty() || list.len() > everifin_webhook::MAX_SECRETS {
        return Err("\"signWith\" must list 1 to 16 secrets".into());
    }
    list.iter()
        .map(|v| match v {
            Value::String(s) if s == "forged" => Ok(SignKey::Forged),
            Value::Number(n) => match n.as_u64() {
                Some(i) if (i as usize) < secrets => Ok(SignKey::Configured(i as usize)),
                _ => Err(format!(
                    "\"signWith\": {n} is not a configured secret index (0 to {}; the scenario \
                     declares \"secrets\": {secrets})",
                    secrets - 1
                )),
            },
            other => Err(format!(
                "\"signWith\": {other} is neither a secret index nor \"forged\""
            )),
        })
        .collect()
}

/// `-90s`, `+2m`, `0`, `250ms`, `1h` → milliseconds.
pub fn parse_offset(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let n: i64 = rest[..digits].parse().ok()?;
    let unit = match &rest[digits..] {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "" if n == 0 => 0,
        _ => return None,
    };
    n.checked_mul(unit).map(|ms| sign * ms)
}

fn render_value(
    v: &Value,
    render: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(render(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_value(i, render))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), render_value(v, render)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Replaces placeholders, innermost first.
fn render_text(
    text: &str,
    ctx: &mut Context,
    vars: &HashMap<String, String>,
    scenario_vars: &HashMap<String, String>,
    event_id: &str,
    at_ms: i64,
) -> Result<String, String> {
    let mut s = text.to_owned();
    for _ in 0..1000 {
        let Some(close) = s.find("}}") else {
            return Ok(s);
        };
        let Some(open) = s[..close].rfind("{{") else {
            return Err(format!("unbalanced \"}}}}\" in {text:?}"));
        };
        let name = &s[open + 2..close];
        let value = if name == "eventId" {
            event_id.to_owned()
        } else if name == "eventTime" {
            everifin_webhook::timestamp::format_ms(ctx.start_ms + at_ms)
        } else if name == "run" {
            ctx.run_id.clone()
        } else if name == "time" {
            everifin_webhook::timestamp::format_ms(ctx.start_ms)
        } else if let Some(off) = name.strip_prefix("time:") {
            let ms = parse_offset(off)
                .ok_or_else(|| format!("{{{{{name}}}}}: {off:?} is not an offset such as -90s"))?;
            everifin_webhook::timestamp::format_ms(ctx.start_ms + ms)
        } else if let Some(label) = name.strip_prefix("uuid:") {
            ctx.uuids
                .entry(label.to_owned())
                .or_insert_with(crate::random::uuid_v4)
                .clone()
        } else if let Some(v) = vars.get(name).or_else(|| scenario_vars.get(name)) {
            v.clone()
        } else {
            return Err(format!(
                "unknown placeholder {{{{{name}}}}} (not a var of the step or the scenario)"
            ));
        };
        s.replace_range(open..close + 2, &value);
    }
    Err(format!(
        "placeholders in {text:?} do not resolve (a var refers to itself?)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("-90s"), Some(-90_000));
        assert_eq!(parse_offset("+2m"), Some(120_000));
        assert_eq!(parse_offset("0"), Some(0));
        assert_eq!(parse_offset("250ms"), Some(250));
        assert_eq!(parse_offset("1h"), Some(3_600_000));
        assert_eq!(parse_offset("5"), None);
        assert_eq!(parse_offset("s"), None);
        assert_eq!(parse_offset("2024-05-07T14:49:55Z"), None);
        assert_eq!(parse_offset("-999999999d"), Some(-999_999_999 * 86_400_000));
        assert_eq!(parse_offset("9999999999d"), None);
    }

    #[test]
    fn shipped_scenarios_load() {
        for (name, text) in SHIPPED {
            let mut ctx = Context::new("t".into(), 1_715_093_395_884);
            let s = load(name, text, &mut ctx).unwrap_or_else(|e| panic!("{}", e.message));
            assert!(!s.steps.is_empty());
            for step in &s.steps {
                assert!(!step.body.is_empty(), "{name}: {}", step.name);
            }
        }
    }

    #[test]
    fn nested_placeholders_and_shared_uuids() {
        let mut ctx = Context::new("r1".into(), 0);
        let vars: HashMap<String, String> = [("order".to_owned(), "1001".to_owned())].into();
        let a = render_text(
            "{{uuid:p-{{order}}}}/{{run}}",
            &mut ctx,
            &vars,
            &HashMap::new(),
            "e",
            0,
        )
        .unwrap();
        let b = render_text("{{uuid:p-1001}}", &mut ctx, &vars, &HashMap::new(), "e", 0).unwrap();
        assert_eq!(a, format!("{b}/r1"));
        assert_eq!(
            render_text("{{eventTime}}", &mut ctx, &vars, &HashMap::new(), "e", 1500).unwrap(),
            "1970-01-01T00:00:01.500Z"
        );
        assert!(render_text("{{nope}}", &mut ctx, &vars, &HashMap::new(), "e", 0).is_err());
    }
}
