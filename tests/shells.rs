//! The whole flow in real interactive bash and zsh, typed through tmux as a user types it:
//! activate, switch with an MFA prompt on the terminal, switch again, chain, switch back, a failed
//! switch, clear, deactivate, and --keep-creds. After each step the exported environment and the
//! prompt on screen are checked, and the AWS CLI from PyPI confirms the identity end to end.

use crate::support::term::Term;
use crate::support::*;
use crate::support::{moto, servers};
use std::collections::BTreeMap;

const CREDS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

fn config() -> String {
    // `odd%name@x...` has every punctuation character the SDK accepts in a profile name.
    format!(
        "{CONFIG}\n[profile odd%name@x:y+z/w.v]\nrole_arn = arn:aws:iam::123456789012:role/odd\nsource_profile = user\n"
    )
}

fn start(shell: &str, home: &Home, moto: &Moto) -> Term {
    // The user's own state before activation: AWS_REGION set but empty, AWS_PROFILE set (to a
    // profile that exists, so that the AWS CLI still runs after --keep-creds restores it),
    // AWS_DEFAULT_REGION and AWS_DEFAULT_PROFILE unset.
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
        ("AWS_REGION", String::new()),
        ("AWS_PROFILE", "user".to_string()),
    ];
    let argv: Vec<&str> = match shell {
        "bash" => vec!["bash", "--norc", "--noprofile", "-i"],
        _ => vec!["zsh", "-f", "-i"],
    };
    let term = Term::start(&argv, &env, home.path());
    term.run("PS1='my$ '");
    term
}

/// moto, a HOME with `config`, and `shell` started in a terminal: None (after saying so) where
/// the shell or tmux is missing outside CI.
fn session(shell: &str, config: &str) -> Option<(Moto, Home, Term)> {
    if !require(shell) || !require("tmux") {
        return None;
    }
    let moto = Moto::start()?;
    let home = Home::new(config, &credentials());
    let term = start(shell, &home, &moto);
    Some((moto, home, term))
}

fn assert_identity(env: &BTreeMap<String, String>, name: &str, region: &str) {
    for v in CREDS {
        assert!(
            env.get(v).is_some_and(|x| !x.is_empty()),
            "{v} missing: {env:?}"
        );
    }
    assert_eq!(env.get("AWS_AS_IDENTITY").map(String::as_str), Some(name));
    let exp: i64 = env["AWS_AS_EXPIRATION"].parse().unwrap();
    assert!(exp > 0);
    assert!(env["AWS_CREDENTIAL_EXPIRATION"].ends_with('Z'));
    assert_eq!(env.get("AWS_REGION").map(String::as_str), Some(region));
    assert_eq!(
        env.get("AWS_DEFAULT_REGION").map(String::as_str),
        Some(region)
    );
    assert!(
        !env.contains_key("AWS_PROFILE"),
        "AWS_PROFILE must be unset while active"
    );
    assert!(!env.contains_key("AWS_DEFAULT_PROFILE"));
}

fn caller_arn(term: &Term) -> String {
    term.output_of("aws sts get-caller-identity --query Arn --output text")
        .trim()
        .to_string()
}

fn flow(shell: &str) {
    if !require(shell) || !require("tmux") {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    if !require(venv().join("bin/aws").to_str().unwrap()) {
        return;
    }
    let home = Home::new(&config(), &credentials());
    let term = start(shell, &home, &moto);
    // A plain shell variable, not exported: it must come back as one.
    term.run("AWS_DEFAULT_PROFILE=shellonly");
    let before = term.env("before");
    let ps1_before = term.var("PS1");
    assert_eq!(ps1_before.as_deref(), Some("my$ "));

    // Activate: the prompt gains (-) and nothing else changes.
    assert_eq!(term.run("eval \"$(aws-as -s)\""), "(-) my$");
    assert_eq!(term.env("activated"), before);

    // Activating again, unquoted this time, never stacks the prefix.
    assert_eq!(term.run("eval $(aws-as -s)"), "(-) my$");
    assert_eq!(term.env("again"), before);

    // Switch to dev: the MFA code is asked for on the terminal.
    term.type_line("aws-as dev");
    term.wait_for(&format!("Enter MFA code for {MFA_SERIAL}:"), 60);
    term.type_line("123456");
    assert_eq!(term.sync(), "(dev) my$");
    let dev = term.env("dev");
    assert_identity(&dev, "dev", "eu-west-1");
    let gst: Vec<Recorded> = moto
        .requests()
        .into_iter()
        .filter(|r| r.action == "GetSessionToken")
        .collect();
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].params["TokenCode"], "123456");
    assert_eq!(gst[0].params["SerialNumber"], MFA_SERIAL);
    assert!(
        caller_arn(&term).contains(":assumed-role/dev/"),
        "{}",
        term.screen()
    );
    assert_eq!(term.var("AWS_DEFAULT_PROFILE"), None);

    // Activating again with an identity active undoes the first activation completely (as venv
    // does): the saved state stays the user's own, and the prefix does not stack.
    assert_eq!(term.run("eval \"$(aws-as -s)\""), "(-) my$");
    assert_eq!(term.env("reactivated"), before);
    assert_eq!(
        term.var("AWS_DEFAULT_PROFILE").as_deref(),
        Some("shellonly")
    );
    assert_eq!(term.run("aws-as dev"), "(dev) my$");
    assert_eq!(term.env("dev-after-reactivation"), dev);

    // Switch to ops: the same MFA session, so no question.
    moto.reset();
    assert_eq!(term.run("aws-as ops"), "(ops) my$");
    assert_identity(&term.env("ops"), "ops", "eu-west-1");
    assert_eq!(moto.count("GetSessionToken"), 0);
    assert_eq!(moto.count("AssumeRole"), 1);
    assert!(caller_arn(&term).contains(":assumed-role/ops/alice-ops"));

    // Chain: prod on dev, in another account and region.
    moto.reset();
    assert_eq!(term.run("aws-as prod"), "(prod) my$");
    assert_identity(&term.env("prod"), "prod", "us-west-2");
    assert_eq!(moto.count("AssumeRole"), 1);
    assert!(caller_arn(&term).contains("210987654321:assumed-role/prod/"));

    // A profile name full of the punctuation profiles may hold.
    assert_eq!(
        term.run("aws-as 'odd%name@x:y+z/w.v'"),
        "(odd%name@x:y+z/w.v) my$"
    );
    assert_eq!(
        term.var("AWS_AS_IDENTITY").as_deref(),
        Some("odd%name@x:y+z/w.v")
    );

    // Back to dev: served from the cache, no network call, the very same credentials.
    moto.reset();
    assert_eq!(term.run("aws-as dev"), "(dev) my$");
    let dev_again = term.env("dev-again");
    assert_eq!(dev_again, dev);
    assert!(moto.requests().is_empty());

    // Failed switches change nothing: an unknown profile, an STS that cannot be reached, one
    // that refuses the MFA code, one that never answers, a malformed config, a usage error.
    let closed = format!(
        "AWS_ENDPOINT_URL=http://127.0.0.1:{} aws-as dev --mfa-code 1",
        moto::free_port()
    );
    let refused = format!(
        "AWS_ENDPOINT_URL={} aws-as dev --mfa-code 000000",
        servers::error_server("403 Forbidden", servers::MFA_REJECTED)
    );
    let settings = term.out().join("fast.toml");
    std::fs::write(&settings, "sts_timeout = \"2s\"\n").unwrap();
    let hung = format!(
        "AWS_AS_CONFIG={} AWS_ENDPOINT_URL={} aws-as dev --mfa-code 1",
        settings.display(),
        servers::hung_server()
    );
    let bad_config = term.out().join("bad-config");
    std::fs::write(&bad_config, "not = a profile\n").unwrap();
    let malformed = format!("AWS_CONFIG_FILE={} aws-as dev", bad_config.display());
    for (cmd, needle, code) in [
        ("aws-as nosuch", "there is no profile `nosuch`", "1"),
        (closed.as_str(), "could not reach STS", "1"),
        (
            refused.as_str(),
            "AccessDenied: MultiFactorAuthentication failed",
            "1",
        ),
        (hung.as_str(), "did not answer in time", "1"),
        (
            malformed.as_str(),
            "could not read the AWS config files",
            "1",
        ),
        ("aws-as dev --bogus", "unexpected argument", "2"),
    ] {
        let out = term.output_of(&format!("{cmd}; echo \"rc=$?\""));
        assert!(out.contains(needle), "{cmd}: {out}");
        assert!(
            out.trim_end().ends_with(&format!("rc={code}")),
            "{cmd}: {out}"
        );
        assert_eq!(term.run("true"), "(dev) my$", "{cmd}");
        assert_eq!(term.env("after-failure"), dev, "{cmd}");
    }

    // Status.
    let status = term.output_of("aws-as");
    assert!(
        status.starts_with("identity  dev\narn       arn:aws:sts::123456789012:assumed-role/dev/"),
        "{status}"
    );

    // Clear: no identity, regions back to their pre-activation state (empty here), the profile
    // variables unset so that (-) is true.
    assert_eq!(term.run("aws-as -"), "(-) my$");
    let cleared = term.env("cleared");
    for v in CREDS.iter().chain(&[
        "AWS_AS_IDENTITY",
        "AWS_AS_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_DEFAULT_REGION",
    ]) {
        assert!(!cleared.contains_key(*v), "{v} after clear: {cleared:?}");
    }
    assert_eq!(cleared.get("AWS_REGION").map(String::as_str), Some(""));

    // Deactivate: everything as it was, byte for byte, and nothing of aws-as left.
    term.run("aws-as dev");
    assert_eq!(term.run("aws-as-deactivate"), "my$");
    assert_eq!(term.env("deactivated"), before);
    assert_eq!(term.var("PS1"), ps1_before);
    assert_eq!(
        term.var("AWS_DEFAULT_PROFILE").as_deref(),
        Some("shellonly")
    );
    assert_eq!(term.output_of("set | grep -c -i 'aws_as'").trim(), "0");
    assert!(
        term.output_of("type aws-as")
            .contains(bin().to_str().unwrap())
    );
    assert_eq!(
        term.output_of("type aws-as-deactivate >/dev/null 2>&1; echo $?")
            .trim(),
        "1"
    );

    // --keep-creds: the credentials and regions stay, the bookkeeping goes.
    term.run("eval \"$(aws-as -s)\"");
    assert_eq!(term.run("aws-as prod"), "(prod) my$");
    let prod = term.env("prod-2");
    assert_eq!(term.run("aws-as-deactivate --keep-creds"), "my$");
    let kept = term.env("kept");
    for v in CREDS.iter().chain(&["AWS_REGION", "AWS_DEFAULT_REGION"]) {
        assert_eq!(kept.get(*v), prod.get(*v), "{v}");
    }
    assert!(!kept.contains_key("AWS_AS_IDENTITY") && !kept.contains_key("AWS_AS_EXPIRATION"));
    assert_eq!(kept.get("AWS_PROFILE").map(String::as_str), Some("user"));
    assert_eq!(term.var("PS1"), ps1_before);
    assert_eq!(term.output_of("set | grep -c '_AWS_AS_'").trim(), "0");
    assert!(caller_arn(&term).contains("210987654321:assumed-role/prod/"));
}

#[test]
fn bash_flow() {
    flow("bash");
}

#[test]
fn zsh_flow() {
    flow("zsh");
}

/// AWS_AS_DISABLE_PROMPT leaves the prompt alone; switching still works.
#[test]
fn disable_prompt() {
    for shell in ["bash", "zsh"] {
        let Some((_moto, _home, term)) = session(shell, CONFIG) else {
            continue;
        };
        term.run("AWS_AS_DISABLE_PROMPT=1");
        assert_eq!(term.run("eval \"$(aws-as -s)\""), "my$");
        assert_eq!(term.run("aws-as dev --mfa-code 123456"), "my$");
        assert_eq!(term.var("AWS_AS_IDENTITY").as_deref(), Some("dev"));
        assert_eq!(term.run("aws-as-deactivate"), "my$");
        assert_eq!(term.var("PS1").as_deref(), Some("my$ "));
    }
}

/// Ctrl-C at the MFA question: the switch is abandoned, the terminal still echoes, and the shell
/// is as it was.
#[test]
fn interrupt_at_the_mfa_prompt() {
    for shell in ["bash", "zsh"] {
        let Some((moto, _home, term)) = session(shell, CONFIG) else {
            continue;
        };
        term.run("eval \"$(aws-as -s)\"");
        let before = term.env("before");
        term.type_line("aws-as dev");
        term.wait_for("Enter MFA code for", 60);
        term.keys("C-c");
        assert_eq!(term.sync(), "(-) my$", "{shell}");
        assert_eq!(term.env("after"), before, "{shell}");
        let stty = term.output_of("stty -a");
        let words: Vec<&str> = stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect();
        assert!(words.contains(&"echo"), "{shell}: {stty}");
        assert!(moto.requests().is_empty());
    }
}

/// credential_source = Environment takes the user's own keys, even while another identity is
/// active, through both the switch and the commands handed back to run directly.
#[test]
fn environment_source_through_the_shell_function() {
    let config = format!(
        "{CONFIG}\n[profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/env\ncredential_source = Environment\n"
    );
    for shell in ["bash", "zsh"] {
        let Some((moto, _home, term)) = session(shell, &config) else {
            continue;
        };
        term.run("export AWS_ACCESS_KEY_ID=AKIAUSERSOWNENVKEY01 AWS_SECRET_ACCESS_KEY=users-own");
        let before = term.env("before");
        term.run("eval \"$(aws-as -s)\"");
        assert_eq!(term.run("aws-as dev --mfa-code 123456"), "(dev) my$");
        moto.reset();
        assert_eq!(
            term.run("aws-as envrole"),
            "(envrole) my$",
            "{shell}: {}",
            term.screen()
        );
        let reqs = moto.requests();
        assert_eq!(reqs.len(), 1, "{reqs:?}");
        assert_eq!(reqs[0].signing_key, "AKIAUSERSOWNENVKEY01");
        let exported = term.output_of("aws-as export envrole --format json");
        assert!(
            exported.contains("assumed-role/env/"),
            "{shell}: {exported}"
        );
        let list = term.output_of("aws-as list");
        let line = list.lines().find(|l| l.contains("envrole")).unwrap_or("");
        assert!(
            line.starts_with("* envrole") && line.contains("cached, "),
            "{shell}: {list}"
        );
        // With no identity active, --keep-creds has nothing to keep: the user's keys come back.
        term.run("aws-as -");
        assert_eq!(term.run("aws-as-deactivate --keep-creds"), "my$");
        assert_eq!(term.env("after"), before, "{shell}");
    }
}

/// Users' own shell options don't break activation, switching or deactivation.
#[test]
fn unusual_shell_options() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let steps = |activate: &str| {
        [
            "PS1='p$ '",
            activate,
            "aws-as dev --mfa-code 123456",
            "printf '%s|%s|' \"$AWS_AS_IDENTITY\" \"$AWS_REGION\"",
            "aws-as -",
            "aws-as-deactivate",
            "type aws-as-deactivate >/dev/null 2>&1 && left=left || left=gone",
            "printf '%s|%s|%s\\n' \"${AWS_AS_IDENTITY-unset}\" \"$PS1\" \"$left\"",
        ]
        .join("\n")
    };
    let mut cases: Vec<(&str, Vec<String>)> = Vec::new();
    if require("bash") {
        let script = steps("eval \"$(aws-as -s bash)\"");
        cases.push(("bash", vec!["--posix".into(), "-c".into(), script.clone()]));
        cases.push(("bash", vec!["-u".into(), "-c".into(), script.clone()]));
        let globs = format!("IFS=:\nshopt -s failglob nullglob extglob\n{script}");
        cases.push(("bash", vec!["-c".into(), globs]));
    }
    if require("zsh") {
        let unquoted = steps("eval $(aws-as -s zsh)");
        for opts in [
            "ksh_arrays sh_word_split",
            "no_unset",
            "glob_subst prompt_subst",
        ] {
            let script = format!("setopt {opts}\n{unquoted}");
            cases.push(("zsh", vec!["-f".into(), "-c".into(), script]));
        }
    }
    for (shell, args) in cases {
        let mut cmd = std::process::Command::new(shell);
        cmd.args(&args);
        home.clean_env(&mut cmd, &moto.url());
        let out = cmd.output().unwrap();
        assert_eq!(
            stdout(&out),
            "dev|eu-west-1|unset|p$ |gone\n",
            "{shell} {:?}: {}",
            &args[..args.len() - 1],
            stderr(&out)
        );
    }
}
