//! Command-line arguments (clap). Every command's `--help` carries examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The secrets paragraph shown by every command that needs a secret.
macro_rules! secrets_help {
    () => {
        concat!(
            "Secrets (never printed, never logged):\n",
            "  EVERIFIN_WEBHOOK_SECRET   environment variable holding one hook secret, or\n",
            "  --secret-file PATH        one secret per line, oldest first (rotation: old, then new)\n",
            "  --secret VALUE            only with --allow-secret-in-argv: other users can read a\n",
            "                            command line (ps, /proc), and it stays in the shell history\n",
            "Keep secrets out of the shell history: paste one with\n",
            "  read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET\n",
            "or write the file with (umask 077; cat > secrets.txt), paste, then Ctrl-D.\n",
            "Secrets are used exactly as given (a trailing space is part of the secret); the tool\n",
            "warns about surrounding whitespace without showing the secret.\n"
        )
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "everifin-webhook",
    version,
    about = "Sign, verify, explain and replay Everifin Paygate webhooks",
    long_about = "Sign, verify, explain and replay Everifin Paygate webhooks.\n\n\
        Why does my signature fail? What would this event do to my order? Does my endpoint behave?\n\
        sign, verify, explain and normalize read a raw body from FILE or stdin (decide: an event\n\
        JSON; send: a scenario). verify, explain, normalize and decide print the library's result\n\
        JSON, sign the Signature header, send a table of the endpoint's answers.",
    after_help = concat!(
        "Examples:\n",
        "  read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET\n",
        "      # paste the hook secret from the Everifin Back Office (not shown, not in the history)\n",
        "  everifin-webhook sign body.json\n",
        "  everifin-webhook verify --header \"$SIG\" body.json\n",
        "  everifin-webhook explain --header \"$SIG\" body.json\n",
        "  everifin-webhook normalize body.json | everifin-webhook decide --state '{\"status\":\"SEEN\"}'\n",
        "  everifin-webhook send --scenario payment-flow --url http://127.0.0.1:8080/webhook.php\n\n",
        "Exit status: 0 success, 1 rejected, 2 usage or I/O error (see each command's --help)."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Sign(SignArgs),
    Verify(VerifyArgs),
    Explain(ExplainArgs),
    Normalize(NormalizeArgs),
    Decide(DecideArgs),
    Send(SendArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct SecretArgs {
    /// File with the hook secrets, one per line, oldest first
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// A secret on the command line (repeat for several, oldest first); needs --allow-secret-in-argv
    // allow_hyphen_values: a secret may start with '-'; without it clap would take the secret for
    // an unknown option and print it in its error.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub secret: Vec<String>,
    /// Accept --secret although other users of the machine can read the command line
    #[arg(long)]
    pub allow_secret_in_argv: bool,
}

/// Compute the `Signature` header Everifin would send for a body.
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET   # paste the secret\n",
    "  everifin-webhook sign body.json\n",
    "  everifin-webhook sign --secret-file secrets.txt --timestamp 2024-05-07T14:49:55.887Z \\\n",
    "      body.json\n",
    "  printf '%s' \"$BODY\" | everifin-webhook sign --json\n\n",
    "The body is signed byte for byte as read (no trailing newline is added or removed).\n",
    "With several secrets (a rotation) the header has v0 (oldest), v1, ...\n\n",
    secrets_help!(),
    "\n",
    "Exit status: 0 signed, 2 usage or I/O error (no secret, invalid timestamp)."
))]
pub struct SignArgs {
    /// The raw body; stdin when absent or `-`
    pub file: Option<PathBuf>,
    /// The `ts` to sign with (RFC 3339 UTC, e.g. 2024-05-07T14:49:55.887Z); default now
    #[arg(long, value_name = "ISO-TIME")]
    pub timestamp: Option<String>,
    /// Print the full result JSON ({"ok":true,...,"header":...}) instead of the bare header
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub secrets: SecretArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct VerifierArgs {
    /// Verify as if the current time were ISO-TIME (RFC 3339 UTC); default the system clock
    #[arg(long, value_name = "ISO-TIME")]
    pub now: Option<String>,
    /// Accepted clock difference in seconds (default 300; 0 turns the timestamp check off)
    #[arg(long, value_name = "SECONDS")]
    pub tolerance: Option<u64>,
    /// Treat CONFIRMED as paid
    #[arg(long)]
    pub confirmed_is_paid: bool,
    /// Largest body accepted (default 1048576)
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
}

/// Verify a webhook like the shop does; print the result JSON of evf_verifier_process.
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET   # paste the secret\n",
    "  everifin-webhook verify --header 'ts=2024-05-07T14:49:55.887Z;v0=9f2c...' body.json\n",
    "  everifin-webhook verify --header \"$SIG\" --now 2024-05-07T14:50:00Z \\\n",
    "      --secret-file secrets.txt < body.json\n\n",
    "Prints {\"ok\":true,\"status\":\"OK\",\"httpStatus\":200,\"signature\":{...},\"event\":{...}} or the\n",
    "error result (status, httpStatus, message) on stdout. When it is rejected, try `explain`.\n\n",
    secrets_help!(),
    "\n",
    "Exit status: 0 verified, 1 rejected, 2 usage or I/O error."
))]
pub struct VerifyArgs {
    /// The raw body as received; stdin when absent or `-`
    pub file: Option<PathBuf>,
    /// The Signature header value (a leading `Signature:` is tolerated)
    #[arg(long, value_name = "HEADER")]
    pub header: String,
    #[command(flatten)]
    pub verifier: VerifierArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// Indent the JSON (strings and numbers stay byte for byte as in the one-line result)
    #[arg(long)]
    pub pretty: bool,
}

/// Tell why a signature fails; for administrators only (its output names the secrets by fingerprint)
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET   # paste the secret\n",
    "  everifin-webhook explain --header \"$SIG\" body.json\n",
    "  everifin-webhook explain --header \"$SIG\" --now 2024-05-07T14:49:56Z body-as-logged.json\n",
    "      # a logged delivery: --now is the time it was received\n",
    "  everifin-webhook explain --header \"$SIG\" --retired-secret-file old-secrets.txt body.json\n\n",
    "For administrators only: the output holds fingerprints of the configured and retired secrets\n",
    "(unsalted 32-bit SHA-256 prefixes) and says what the sender signed. Never send it back to\n",
    "whoever called the webhook URL, nor show it on a page others can see.\n\n",
    "Looks for: a secret with surrounding whitespace, a newline or a byte order mark; a re-encoded\n",
    "body (pretty-printed, compacted, keys reordered, escaped slashes, CRLF, BOM, trailing newline,\n",
    "decimals shortened such as 1.50 written 1.5); the wrong concatenation order; a re-formatted ts;\n",
    "clock skew (size and direction; an age over a day is an old delivery: pass --now); a signature\n",
    "made with a retired secret (named by fingerprint). When nothing matches, it says what it could\n",
    "not try (a body that is not JSON, over 256 KiB, or with numbers a decoder may have rewritten).\n",
    "Prints the result JSON (the verify result plus \"findings\" and \"secrets\") on stdout and a\n",
    "summary for humans on stderr.\n\n",
    secrets_help!(),
    "\n",
    "Exit status: 0 the webhook verifies, 1 it does not (see the findings), 2 usage or I/O error."
))]
pub struct ExplainArgs {
    /// The raw body; stdin when absent or `-`
    pub file: Option<PathBuf>,
    /// The Signature header value (a leading `Signature:` is tolerated)
    #[arg(long, value_name = "HEADER")]
    pub header: String,
    #[command(flatten)]
    pub verifier: VerifierArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// Secrets no longer configured, one per line (only to recognise a signature made with one)
    #[arg(long, value_name = "PATH")]
    pub retired_secret_file: Option<PathBuf>,
    /// Print only the JSON, no summary
    #[arg(long, short)]
    pub quiet: bool,
    /// Indent the JSON (strings and numbers stay byte for byte as in the one-line result)
    #[arg(long)]
    pub pretty: bool,
}

/// Validate and normalize an event body (no signature check); print the result JSON.
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  everifin-webhook normalize body.json\n",
    "  everifin-webhook normalize --confirmed-is-paid < body.json\n",
    "  everifin-webhook normalize \\\n",
    "      --options '{\"suggestedStates\":{\"woocommerce\":{\"paid\":\"completed\"}}}' body.json\n\n",
    "Exit status: 0 ok, 1 the body is refused (ok:false), 2 usage or I/O error."
))]
pub struct NormalizeArgs {
    /// The raw body; stdin when absent or `-`
    pub file: Option<PathBuf>,
    /// Options JSON (confirmedIsPaid, maxBodyBytes, suggestedStates)
    #[arg(long, value_name = "JSON")]
    pub options: Option<String>,
    /// Treat CONFIRMED as paid
    #[arg(long)]
    pub confirmed_is_paid: bool,
    /// Indent the JSON (strings and numbers stay byte for byte as in the one-line result)
    #[arg(long)]
    pub pretty: bool,
}

/// Decide what to do with an event given the order's stored state; print the result JSON.
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  everifin-webhook decide --state '{\"status\":\"BOOKED\"}' event.json\n",
    "  everifin-webhook normalize body.json | everifin-webhook decide --state-file order-42.json\n\n",
    "The event is a normalized event or a whole normalize/verify result (its \"event\" is used).\n",
    "The state is what the shop stored for the order ({} or nothing for a new order).\n\n",
    "Exit status: 0 ok (apply or skip), 1 the event or state is refused (ok:false), 2 usage or I/O error."
))]
pub struct DecideArgs {
    /// The event JSON; stdin when absent or `-`
    pub file: Option<PathBuf>,
    /// The stored state JSON (default: a new order)
    #[arg(long, value_name = "JSON", conflicts_with = "state_file")]
    pub state: Option<String>,
    /// Read the stored state from a file
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// Indent the JSON (strings and numbers stay byte for byte as in the one-line result)
    #[arg(long)]
    pub pretty: bool,
}

/// Sign and POST a scenario of events to an endpoint; report PASS/FAIL per step.
#[derive(Args, Debug)]
#[command(after_help = concat!(
    "Examples:\n",
    "  everifin-webhook send --list\n",
    "  everifin-webhook send --scenario payment-flow --secret-file secrets.txt \\\n",
    "      --url http://127.0.0.1:8080/webhook.php\n",
    "  everifin-webhook send --scenario ./my-scenario.json --dry-run\n",
    "  everifin-webhook send --print-scenario order-safety > my-scenario.json   # to adapt it\n\n",
    "SCENARIO is the name of a shipped scenario (see --list) or the path of a scenario file\n",
    "(format: docs/cli.md). Each step is signed when it is sent; the table compares the HTTP status\n",
    "the endpoint answered with the one the scenario expects and, when the endpoint answers with its\n",
    "decision ({\"received\":true,\"decision\":{\"action\":..,\"reason\":..},\"orderOutcome\":..}),\n",
    "the decision with the one the step expects. Progress goes to stderr, the table to stdout.\n\n",
    secrets_help!(),
    "\n",
    "Exit status: 0 every step answered as expected, 1 a step got another answer or no answer,\n",
    "2 usage or I/O error (unknown scenario, too few secrets, invalid URL)."
))]
pub struct SendArgs {
    /// A shipped scenario name or a scenario file path
    #[arg(long, value_name = "NAME|PATH", required_unless_present_any = ["list", "print_scenario"])]
    pub scenario: Option<String>,
    /// The endpoint to POST to
    #[arg(long, value_name = "URL", required_unless_present_any = ["list", "dry_run", "print_scenario"])]
    pub url: Option<String>,
    /// List the shipped scenarios and exit
    #[arg(long)]
    pub list: bool,
    /// Print a shipped scenario's file (to adapt it, then give it to --scenario) and exit
    #[arg(long, value_name = "NAME", conflicts_with_all = ["list", "scenario"])]
    pub print_scenario: Option<String>,
    /// Print each request (Signature header and body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
    /// Fail a step that expects a decision when the endpoint answers without one
    #[arg(long)]
    pub require_decisions: bool,
    /// A tag mixed into order references so that runs do not collide (default: random; not empty)
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Seconds to wait for each answer, 1 to 3600
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub timeout: u64,
    /// Also trust the CA certificate(s) in this PEM file, for an https:// endpoint with a private
    /// CA or a self-signed certificate
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// No progress lines, only the table
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub secrets: SecretArgs,
}
