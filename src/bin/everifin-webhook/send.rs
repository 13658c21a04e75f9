//! `send`: sign each step of a scenario when it is sent, POST it, compare the answer with the
//! expected HTTP status and, when the endpoint answers with its decision
//! (`{"received":true,"decision":{"action":..,"reason":..},"orderOutcome":..}`), with the decision
//! the step expects; print progress and a summary table.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use everifin_webhook::{timestamp, Secret};

use crate::cli::SendArgs;
use serde_json::Value;

use crate::scenario::{self, ExpectedDecision, Scenario, SignKey, Signing, Step, Ts};
use crate::{secrets, CliError, EXIT_OK, EXIT_REJECTED};

/// What happened to one step.
struct Outcome {
    got: Option<u16>,
    /// The endpoint's answer, or the tool's own account of what happened (`own`).
    answer: String,
    /// `answer` is the tool's explanation (no answer, a redirect): shown whole, not clipped.
    own: bool,
    millis: u128,
}

/// The decision an endpoint reported in its answer.
#[derive(Debug, PartialEq, Eq)]
struct Reported {
    action: String,
    reason: Option<String>,
    order_outcome: Option<String>,
}

impl Reported {
    /// From `{"decision":{"action":..,"reason":..,"orderOutcome"?:..},"orderOutcome"?:..}`.
    fn from_answer(answer: &str) -> Option<Reported> {
        let v: Value = serde_json::from_str(answer).ok()?;
        let d = v.get("decision")?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        Some(Reported {
            action: text(d.get("action"))?,
            reason: text(d.get("reason")),
            order_outcome: text(v.get("orderOutcome")).or_else(|| text(d.get("orderOutcome"))),
        })
    }

    fn label(&self) -> String {
        ExpectedDecision {
            action: self.action.clone(),
            reason: self.reason.clone(),
            order_outcome: self.order_outcome.clone(),
        }
        .label()
    }
}

/// How a step's decision compares with what the scenario expects.
#[derive(Debug, PartialEq, Eq)]
enum DecisionCheck {
    /// The step expects no decision, or the HTTP status already differs.
    NotChecked,
    Match,
    Mismatch(String),
    /// The endpoint answered without a decision.
    NotReported,
}

fn check_decision(step: &Step, o: &Outcome) -> DecisionCheck {
    let Some(want) = &step.decision else {
        return DecisionCheck::NotChecked;
    };
    if o.got != Some(step.expect) {
        return DecisionCheck::NotChecked;
    }
    let Some(got) = Reported::from_answer(&o.answer) else {
        return DecisionCheck::NotReported;
    };
    let same = |want: &Option<String>, got: &Option<String>| want.is_none() || want == got;
    if want.action == got.action
        && same(&want.reason, &got.reason)
        && same(&want.order_outcome, &got.order_outcome)
    {
        DecisionCheck::Match
    } else {
        DecisionCheck::Mismatch(got.label())
    }
}

/// PASS or FAIL: the status, then the decision (a missing one fails only when required).
fn verdict(step: &Step, o: &Outcome, require_decisions: bool) -> &'static str {
    if o.got != Some(step.expect) {
        return "FAIL";
    }
    match check_decision(step, o) {
        DecisionCheck::Mismatch(_) => "FAIL",
        DecisionCheck::NotReported if require_decisions => "FAIL",
        _ => "PASS",
    }
}

/// `200` or `200 skip/duplicate`.
fn expected_label(step: &Step) -> String {
    match &step.decision {
        Some(d) => format!("{} {}", step.expect, d.label()),
        None => step.expect.to_string(),
    }
}

/// `200`, `200 skip/stale`, `-`.
fn got_label(o: &Outcome) -> String {
    let status = o.got.map_or_else(|| "-".to_owned(), |g| g.to_string());
    match Reported::from_answer(&o.answer) {
        Some(r) => format!("{status} {}", r.label()),
        None => status,
    }
}

pub fn run(args: SendArgs) -> Result<u8, CliError> {
    if args.list {
        outln!("Shipped scenarios (use the name with --scenario, or give a file path):");
        for (name, description, secrets, steps) in scenario::list() {
            outln!("  {name:<14} {steps:>2} steps, {secrets} secret(s)  {description}");
        }
        return Ok(EXIT_OK);
    }
    if let Some(name) = &args.print_scenario {
        let text = scenario::shipped_text(name)?;
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(CliError::usage(format!("cannot write to stdout: {e}")));
            }
        }
        return Ok(EXIT_OK);
    }
    let spec = args
        .scenario
        .as_deref()
        .ok_or_else(|| CliError::usage("--scenario NAME|PATH is required"))?;
    let (origin, text) = scenario::source(spec)?;
    let run_id = match &args.run_id {
        Some(id) if id.is_empty() => {
            return Err(CliError::usage(
                "--run-id is empty: give a tag (letters, digits) or leave --run-id out for a \
                 random one",
            ))
        }
        Some(id) => id.clone(),
        None => crate::random::hex(6),
    };
    let mut ctx = scenario::Context::new(run_id, timestamp::now_ms());
    let scenario = scenario::load(&origin, &text, &mut ctx)?;

    let secrets = secrets::load(&args.secrets)?;
    if secrets.len() < scenario.secrets {
        return Err(CliError::usage(format!(
            "scenario {} needs {} secrets (oldest first, as the endpoint is configured) but {} \
             given; use --secret-file PATH with one secret per line",
            scenario.name,
            scenario.secrets,
            secrets.len()
        )));
    }
    let configured = secrets.as_secrets();
    // A secret the endpoint does not know, made fresh for this run.
    let forged = Secret::new(crate::random::hex(32).into_bytes());

    if args.dry_run {
        return dry_run(&scenario, &configured, &forged);
    }

    let url = args
        .url
        .as_deref()
        .ok_or_else(|| CliError::usage("--url URL is required"))?;
    let agent = agent(url, args.timeout, args.cacert.as_deref())?;

    if !args.quiet {
        eprintln!(
            "scenario {} ({} steps, run {}) -> {url}",
            scenario.name,
            scenario.steps.len(),
            ctx.run_id
        );
        if !scenario.description.is_empty() {
            eprintln!("  {}", scenario.description);
        }
    }
    let total = scenario.steps.len();
    let mut outcomes = Vec::with_capacity(total);
    for (i, step) in scenario.steps.iter().enumerate() {
        if step.delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(step.delay_ms));
        }
        let (header, body) = prepare(step, &configured, &forged)?;
        let started = Instant::now();
        let outcome = post(&agent, url, header.as_deref(), &body, args.timeout);
        let outcome = Outcome {
            millis: started.elapsed().as_millis(),
            ..outcome
        };
        if !args.quiet {
            let verdict = verdict(step, &outcome, args.require_decisions);
            eprintln!(
                "[{:>2}/{total}] {:<44} expect {} got {} {verdict} ({} ms){}",
                i + 1,
                clip(&step.name, 44),
                expected_label(step),
                got_label(&outcome),
                outcome.millis,
                step.note
                    .as_deref()
                    .map(|n| format!("  # {n}"))
                    .unwrap_or_default()
            );
            let _ = std::io::stderr().flush();
        }
        outcomes.push(outcome);
    }
    let failed = table(&scenario, &outcomes, args.require_decisions);
    if failed > 0 && every_signed_step_got_401(&scenario, &outcomes) {
        eprintln!(
            "everifin-webhook: every signed step got 401: the endpoint refuses these signatures. \
             The secrets given (--secret-file or {}) are probably not the ones the endpoint is \
             configured with (the same secrets, oldest first), or the endpoint does not verify \
             the raw body",
            secrets::ENV_SECRET
        );
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_REJECTED })
}

/// Whether every step signed with the configured secrets that expected 200 got 401.
fn every_signed_step_got_401(scenario: &Scenario, outcomes: &[Outcome]) -> bool {
    let mut signed = scenario
        .steps
        .iter()
        .zip(outcomes)
        .filter(|(s, _)| {
            s.expect == 200 && s.tamper.is_none() && matches!(s.signing, Signing::Sign(_))
        })
        .peekable();
    signed.peek().is_some() && signed.all(|(_, o)| o.got == Some(401))
}

/// Prints the summary table on stdout; returns the number of failed steps.
fn table(scenario: &Scenario, outcomes: &[Outcome], require_decisions: bool) -> usize {
    let name_w = scenario
        .steps
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 48);
    let rows: Vec<(String, String)> = scenario
        .steps
        .iter()
        .zip(outcomes)
        .map(|(step, o)| (expected_label(step), got_label(o)))
        .collect();
    let exp_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(6).max(6);
    let got_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(3).max(3);
    outln!("");
    outln!(
        "{:>3}  {:<name_w$}  {:<exp_w$}  {:<got_w$}  {:<6}  answer",
        "#",
        "step",
        "expect",
        "got",
        "result"
    );
    outln!(
        "{}",
        "-".repeat(3 + 2 + name_w + 2 + exp_w + 2 + got_w + 2 + 6 + 2 + 40)
    );
    let (mut failed, mut checked, mut wrong, mut unreported) = (0, 0, 0, 0);
    for (i, ((step, o), (exp, got))) in scenario.steps.iter().zip(outcomes).zip(&rows).enumerate() {
        let v = verdict(step, o, require_decisions);
        if v == "FAIL" {
            failed += 1;
        }
        match check_decision(step, o) {
            DecisionCheck::Match => checked += 1,
            DecisionCheck::Mismatch(_) => {
                checked += 1;
                wrong += 1;
            }
            DecisionCheck::NotReported => unreported += 1,
            DecisionCheck::NotChecked => {}
        }
        outln!(
            "{:>3}  {:<name_w$}  {:<exp_w$}  {:<got_w$}  {:<6}  {}",
            i + 1,
            clip(&step.name, name_w),
            exp,
            got,
            v,
            clip(&o.answer, if o.own { 400 } else { 90 })
        );
    }
    let passed = outcomes.len() - failed;
    outln!("");
    outln!(
        "summary: {passed} passed, {failed} failed of {} steps (scenario {})",
        outcomes.len(),
        scenario.name
    );
    let expected = scenario
        .steps
        .iter()
        .filter(|s| s.decision.is_some())
        .count();
    if expected > 0 {
        outln!(
            "decisions: {checked} checked, {wrong} wrong, {unreported} not reported by the endpoint{}",
            if unreported > 0 && !require_decisions {
                " (not counted as failures; --require-decisions counts them)"
            } else {
                ""
            }
        );
    }
    failed
}

fn clip(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Signs (at this moment) and applies the step's faults. Returns the header (None: no header).
fn prepare(
    step: &Step,
    configured: &[Secret],
    forged: &Secret,
) -> Result<(Option<String>, Vec<u8>), CliError> {
    let header = match &step.signing {
        Signing::Literal(h) if h.is_empty() => None,
        Signing::Literal(h) => Some(h.clone()),
        Signing::Sign(keys) => {
            let now = timestamp::now_ms();
            let ts = match &step.ts {
                Ts::Offset(ms) => timestamp::format_ms(now + ms),
                Ts::Fixed(t) => t.clone(),
            };
            let chosen: Vec<Secret> = keys
                .iter()
                .map(|k| match k {
                    SignKey::Configured(i) => configured[*i].clone(),
                    SignKey::Forged => forged.clone(),
                })
                .collect();
            let header = everifin_webhook::sign_with_secrets(&step.body, &ts, &chosen, now)
                .map_err(|e| CliError::usage(format!("step {}: {}", step.name, e.message)))?;
            Some(header)
        }
    };
    let body = match &step.tamper {
        Some(t) => scenario::tamper(&step.body, t),
        None => step.body.clone(),
    };
    Ok((header, body))
}

fn dry_run(scenario: &Scenario, configured: &[Secret], forged: &Secret) -> Result<u8, CliError> {
    outln!(
        "# scenario {} ({} steps), dry run",
        scenario.name,
        scenario.steps.len()
    );
    for (i, step) in scenario.steps.iter().enumerate() {
        let (header, body) = prepare(step, configured, forged)?;
        outln!("");
        outln!(
            "## {} {} (expect {})",
            i + 1,
            step.name,
            expected_label(step)
        );
        if let Some(n) = &step.note {
            outln!("# {n}");
        }
        match header {
            Some(h) => outln!("Signature: {h}"),
            None => outln!("(no Signature header)"),
        }
        outln!("{}", String::from_utf8_lossy(&body));
    }
    Ok(EXIT_OK)
}

fn agent(url: &str, timeout: u64, cacert: Option<&Path>) -> Result<ureq::Agent, CliError> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(CliError::usage(format!(
            "invalid --url {url:?}: it must start with http:// or https://"
        )));
    }
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|e| CliError::usage(format!("invalid --url {url:?}: {e}")))?;
    let host = uri.host().unwrap_or_default();
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1");
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(timeout)))
        .user_agent(concat!("everifin-webhook-cli/", env!("CARGO_PKG_VERSION")));
    if loopback {
        config = config.proxy(None);
    }
    if let Some(path) = cacert {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(root_certs_with(path)?)
            .build();
        config = config.tls_config(tls);
    }
    Ok(config.build().into())
}

/// Mozilla's roots (what ureq trusts by default) plus the certificates of a PEM file.
fn root_certs_with(path: &Path) -> Result<ureq::tls::RootCerts, CliError> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read --cacert {shown}: {e}")))?;
    let mut added = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => added.push(c),
            Ok(_) => {} // a private key next to the certificate: not needed, not used
            Err(e) => {
                return Err(CliError::usage(format!(
                    "--cacert {shown} is not a valid PEM file ({e})"
                )))
            }
        }
    }
    if added.is_empty() {
        return Err(CliError::usage(format!(
            "--cacert {shown} holds no certificate (a PEM file with -----BEGIN CERTIFICATE-----)"
        )));
    }
    // ureq would skip a certificate it cannot use without a word: refuse it here instead.
    let mut check = rustls::RootCertStore::empty();
    for (i, c) in added.iter().enumerate() {
        check
            .add(rustls::pki_types::CertificateDer::from(c.der()))
            .map_err(|e| {
                CliError::usage(format!(
                    "--cacert {shown}: certificate {} is not a usable X.509 CA certificate ({e})",
                    i + 1
                ))
            })?;
    }
    let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()))
        .chain(added);
    Ok(ureq::tls::RootCerts::from(roots))
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    header: Option<&str>,
    body: &[u8],
    timeout: u64,
) -> Outcome {
    let mut request = agent.post(url).header("Content-Type", "application/json");
    if let Some(h) = header {
        request = request.header("Signature", h);
    }
    match request.send(body) {
        Ok(mut response) => {
            let got = response.status().as_u16();
            if response.status().is_redirection() {
                let answer = match response.headers().get("location") {
                    Some(l) => format!(
                        "redirect to {} (not followed: use that URL)",
                        String::from_utf8_lossy(l.as_bytes())
                    ),
                    None => "redirect without a Location header (not followed)".to_owned(),
                };
                return Outcome {
                    got: Some(got),
                    answer,
                    own: true,
                    millis: 0,
                };
            }
            let answer = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .unwrap_or_else(|e| format!("(unreadable answer: {e})"));
            Outcome {
                got: Some(got),
                answer: answer.trim().to_owned(),
                own: false,
                millis: 0,
            }
        }
        Err(e) => Outcome {
            got: None,
            answer: failure(&e, timeout),
            own: true,
            millis: 0,
        },
    }
}

/// Why no answer came, in the terms of the command's options.
fn failure(e: &ureq::Error, timeout: u64) -> String {
    let tls = match e {
        ureq::Error::Timeout(_) => return format!("no answer within {timeout} s (--timeout)"),
        ureq::Error::Rustls(t) => Some(t),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    match tls {
        Some(rustls::Error::InvalidCertificate(c)) => format!(
            "TLS: the server's certificate is not trusted ({})",
            certificate_problem(c)
        ),
        Some(t) => format!("TLS: {t}"),
        None => format!("no answer: {e}"),
    }
}

fn certificate_problem(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    const CACERT: &str = "give the CA's certificate with --cacert FILE";
    match c {
        C::UnknownIssuer => format!(
            "issued by an unknown CA: for a private CA or a self-signed certificate, {CACERT}"
        ),
        C::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => format!(
            "the server presents a CA certificate as its own: a self-signed CA certificate cannot \
             be trusted that way even with --cacert; the server needs a certificate issued by its \
             CA, then {CACERT}"
        ),
        C::BadSignature => "its signature does not verify".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::root_certs_with;

    /// docs/cli.md: `--cacert` adds to Mozilla's roots, it does not replace them.
    #[test]
    fn cacert_adds_its_certificates_to_mozillas_roots() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params =
            rcgen::CertificateParams::new(vec!["shop.test".to_owned()]).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("CA");
        let path = std::env::temp_dir().join(format!("evf-cacert-unit-{}.pem", std::process::id()));
        std::fs::write(&path, format!("{}{}", ca.pem(), ca.pem())).expect("write PEM");
        let roots = root_certs_with(&path);
        let _ = std::fs::remove_file(&path);
        let ureq::tls::RootCerts::Specific(certs) = roots.expect("roots") else {
            panic!("expected a specific root set");
        };
        let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS.len();
        assert!(mozilla > 100, "{mozilla}");
        assert_eq!(certs.len(), mozilla + 2);
        assert_eq!(certs[mozilla].der(), ca.der().as_ref());
    }
}
