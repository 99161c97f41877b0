//! The whole flow in real interactive bash and zsh, typed through tmux as a user types it:
//! activate, switch with an MFA prompt on the terminal, switch again, chain, switch back, a failed
//! switch, clear, deactivate, and --keep-creds. After each step the exported environment and the
//! prompt on screen are checked, and the AWS CLI from PyPI confirms the identity end to end.

use crate::support::shells::{Family, SHELLS, Shell, shell};
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

fn env_for(home: &Home, moto: &Moto) -> Vec<(&'static str, String)> {
    // The user's own state before activation: AWS_REGION set but empty, AWS_PROFILE set (to a
    // profile that exists, so that the AWS CLI still runs after --keep-creds restores it),
    // AWS_DEFAULT_REGION and AWS_DEFAULT_PROFILE unset.
    vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
        ("AWS_REGION", String::new()),
        ("AWS_PROFILE", "user".to_string()),
    ]
}

fn start(shell: Shell, home: &Home, moto: &Moto) -> Term {
    let term = Term::shell(shell, &env_for(home, moto), home.path());
    term.run(&shell.set_prompt("my$ "));
    term
}

/// moto, a HOME with `config`, and `shell` started in a terminal: None (after saying so) where
/// the shell or tmux is missing outside CI.
fn session(shell: Shell, config: &str) -> Option<(Moto, Home, Term)> {
    if !require(shell.program) || !require("tmux") {
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

/// What is left of aws-as in the shell: every variable, function and alias whose name says
/// aws_as (`_` is the shell's last argument, not ours).
fn leftovers(term: &Term, shell: Shell) -> Vec<String> {
    shell
        .inventory()
        .iter()
        .flat_map(|cmd| {
            term.output_of(cmd)
                .lines()
                .filter(|l| l.to_ascii_lowercase().contains("aws_as"))
                .filter(|l| !l.starts_with("_=") && !l.starts_with("_\t"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The whole flow in one shell.
fn flow(name: &str) {
    let shell = shell(name);
    if !require(shell.program) || !require("tmux") {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    if !require(venv().join("bin/aws").to_str().unwrap()) {
        return;
    }
    let home = Home::new(&config(), &credentials());
    let term = start(shell, &home, &moto);
    let sh = shell.family != Family::Csh;
    // A plain shell variable, not exported: it must come back as one. (csh keeps shell
    // variables apart from the environment, and aws-as manages only the environment there.)
    if shell.family == Family::Sh {
        term.run("AWS_DEFAULT_PROFILE=shellonly");
    } else if shell.family == Family::Fish {
        term.run("set -g AWS_DEFAULT_PROFILE shellonly");
    }
    let before = term.env("before");
    let prompt_before = term.prompt();
    if shell.family != Family::Fish {
        assert_eq!(prompt_before.as_deref(), Some("my$ "), "{name}");
    }

    // Activate: the prompt gains (-) and nothing else changes.
    assert_eq!(term.run(shell.activate()), "(-) my$", "{name}");
    assert_eq!(term.env("activated"), before, "{name}");

    // Activating again, in the table's other form, never stacks the prefix.
    assert_eq!(
        term.run(&shell.activate_other(term.out())),
        "(-) my$",
        "{name}"
    );
    assert_eq!(term.env("again"), before, "{name}");

    // Switch to dev: the MFA code is asked for on the terminal.
    term.type_line("aws-as dev");
    term.wait_for(&format!("Enter MFA code for {MFA_SERIAL}:"), 60);
    term.type_line("123456");
    assert_eq!(term.sync(), "(dev) my$", "{name}");
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
        "{name}: {}",
        term.screen()
    );
    if sh {
        assert_eq!(term.var("AWS_DEFAULT_PROFILE"), None, "{name}");
    }

    // Activating again with an identity active undoes the first activation completely (as venv
    // does): the saved state stays the user's own, and the prefix does not stack.
    assert_eq!(term.run(shell.activate()), "(-) my$", "{name}");
    assert_eq!(term.env("reactivated"), before, "{name}");
    if sh {
        assert_eq!(
            term.var("AWS_DEFAULT_PROFILE").as_deref(),
            Some("shellonly"),
            "{name}"
        );
    }
    assert_eq!(term.run("aws-as dev"), "(dev) my$", "{name}");
    assert_eq!(term.env("dev-after-reactivation"), dev, "{name}");

    // Switch to ops: the same MFA session, so no question.
    moto.reset();
    assert_eq!(term.run("aws-as ops"), "(ops) my$", "{name}");
    assert_identity(&term.env("ops"), "ops", "eu-west-1");
    assert_eq!(moto.count("GetSessionToken"), 0);
    assert_eq!(moto.count("AssumeRole"), 1);
    assert!(caller_arn(&term).contains(":assumed-role/ops/alice-ops"));

    // Chain: prod on dev, in another account and region.
    moto.reset();
    assert_eq!(term.run("aws-as prod"), "(prod) my$", "{name}");
    assert_identity(&term.env("prod"), "prod", "us-west-2");
    assert_eq!(moto.count("AssumeRole"), 1);
    assert!(caller_arn(&term).contains("210987654321:assumed-role/prod/"));

    // A profile name full of the punctuation profiles may hold, `%` included (tcsh's prompt
    // escape).
    assert_eq!(
        term.run("aws-as 'odd%name@x:y+z/w.v'"),
        "(odd%name@x:y+z/w.v) my$",
        "{name}"
    );
    assert_eq!(
        term.env("odd").get("AWS_AS_IDENTITY").map(String::as_str),
        Some("odd%name@x:y+z/w.v")
    );

    // Back to dev: served from the cache, no network call, the very same credentials.
    moto.reset();
    assert_eq!(term.run("aws-as dev"), "(dev) my$", "{name}");
    let dev_again = term.env("dev-again");
    assert_eq!(dev_again, dev, "{name}");
    assert!(moto.requests().is_empty());

    // Failed switches change nothing: an unknown profile, an STS that cannot be reached, one
    // that refuses the MFA code, one that never answers, a malformed config, a usage error.
    let endpoint = moto.url();
    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let refused = servers::error_server("403 Forbidden", servers::MFA_REJECTED);
    let settings = term.out().join("fast.toml");
    std::fs::write(&settings, "sts_timeout = \"2s\"\n").unwrap();
    let settings = settings.display().to_string();
    let hung = servers::hung_server();
    let bad_config = term.out().join("bad-config");
    std::fs::write(&bad_config, "not = a profile\n").unwrap();
    let bad_config = bad_config.display().to_string();
    let endpoint_env =
        |url: &str, cmd: &str| shell.with_env("AWS_ENDPOINT_URL", url, Some(&endpoint), cmd);
    let status = shell.status();
    let cases = [
        (
            format!("aws-as nosuch; echo rc={status}"),
            "there is no profile `nosuch`",
            "1",
        ),
        (
            endpoint_env(&closed, "aws-as dev --mfa-code 1"),
            "could not reach STS",
            "1",
        ),
        (
            endpoint_env(&refused, "aws-as dev --mfa-code 000000"),
            "AccessDenied: MultiFactorAuthentication failed",
            "1",
        ),
        (
            shell.with_env(
                "AWS_AS_CONFIG",
                &settings,
                None,
                &shell.with_env(
                    "AWS_ENDPOINT_URL",
                    &hung,
                    Some(&endpoint),
                    "aws-as dev --mfa-code 1",
                ),
            ),
            "did not answer in time",
            "1",
        ),
        (
            shell.with_env("AWS_CONFIG_FILE", &bad_config, None, "aws-as dev"),
            "could not read the AWS config files",
            "1",
        ),
        (
            format!("aws-as dev --bogus; echo rc={status}"),
            "unexpected argument",
            "2",
        ),
    ];
    for (cmd, needle, code) in &cases {
        let out = term.output_of(cmd);
        assert!(out.contains(needle), "{name}: {cmd}: {out}");
        assert!(
            out.lines().any(|l| l == format!("rc={code}")),
            "{name}: {cmd}: {out}"
        );
        assert_eq!(term.run("true"), "(dev) my$", "{name}: {cmd}");
        assert_eq!(term.env("after-failure"), dev, "{name}: {cmd}");
    }

    // Data commands keep their own status, and their output goes down a pipe.
    let out = term.output_of(&format!(
        "aws-as export nosuch --format json; echo rc={status}"
    ));
    assert!(
        out.contains("there is no profile `nosuch`") && out.lines().any(|l| l == "rc=1"),
        "{name}: {out}"
    );
    assert_eq!(
        term.output_of("aws-as list | grep -c prod").trim(),
        "1",
        "{name}"
    );
    assert_eq!(term.run("true"), "(dev) my$", "{name}");

    // Status.
    let status = term.output_of("aws-as");
    assert!(
        status.starts_with("identity  dev\narn       arn:aws:sts::123456789012:assumed-role/dev/"),
        "{name}: {status}"
    );

    // Clear: no identity, regions back to their pre-activation state (empty here), the profile
    // variables unset so that (-) is true.
    assert_eq!(term.run("aws-as -"), "(-) my$", "{name}");
    let cleared = term.env("cleared");
    for v in CREDS.iter().chain(&[
        "AWS_AS_IDENTITY",
        "AWS_AS_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_DEFAULT_REGION",
    ]) {
        assert!(
            !cleared.contains_key(*v),
            "{name}: {v} after clear: {cleared:?}"
        );
    }
    assert_eq!(cleared.get("AWS_REGION").map(String::as_str), Some(""));

    // Deactivate: everything as it was, byte for byte, and nothing of aws-as left.
    term.run("aws-as dev");
    assert_eq!(term.run("aws-as-deactivate"), "my$", "{name}");
    assert_eq!(term.env("deactivated"), before, "{name}");
    assert_eq!(term.prompt(), prompt_before, "{name}");
    if sh {
        assert_eq!(
            term.var("AWS_DEFAULT_PROFILE").as_deref(),
            Some("shellonly"),
            "{name}"
        );
    }
    assert_eq!(leftovers(&term, shell), Vec::<String>::new(), "{name}");
    assert_eq!(
        term.output_of(shell.which_aws_as()).trim(),
        bin().to_str().unwrap(),
        "{name}"
    );
    assert_eq!(
        term.output_of(shell.deactivate_gone()).trim(),
        "gone",
        "{name}"
    );

    // --keep-creds: the credentials and regions stay, the bookkeeping goes.
    term.run(shell.activate());
    assert_eq!(term.run("aws-as prod"), "(prod) my$", "{name}");
    let prod = term.env("prod-2");
    assert_eq!(term.run("aws-as-deactivate --keep-creds"), "my$", "{name}");
    let kept = term.env("kept");
    for v in CREDS.iter().chain(&["AWS_REGION", "AWS_DEFAULT_REGION"]) {
        assert_eq!(kept.get(*v), prod.get(*v), "{name}: {v}");
    }
    assert!(!kept.contains_key("AWS_AS_IDENTITY") && !kept.contains_key("AWS_AS_EXPIRATION"));
    assert_eq!(kept.get("AWS_PROFILE").map(String::as_str), Some("user"));
    assert_eq!(term.prompt(), prompt_before, "{name}");
    assert_eq!(leftovers(&term, shell), Vec::<String>::new(), "{name}");
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

#[test]
fn dash_flow() {
    flow("dash");
}

#[test]
fn ksh93_flow() {
    flow("ksh93");
}

#[test]
fn mksh_flow() {
    flow("mksh");
}

#[test]
fn fish_flow() {
    flow("fish");
}

#[test]
fn tcsh_flow() {
    flow("tcsh");
}

#[test]
fn csh_flow() {
    flow("csh");
}

/// AWS_AS_DISABLE_PROMPT leaves the prompt alone; switching still works.
#[test]
fn disable_prompt() {
    for shell in SHELLS {
        let Some((_moto, _home, term)) = session(shell, CONFIG) else {
            continue;
        };
        let name = shell.name;
        term.run(&shell.export("AWS_AS_DISABLE_PROMPT", "1"));
        let prompt = term.prompt();
        assert_eq!(term.run(shell.activate()), "my$", "{name}");
        assert_eq!(term.run("aws-as dev --mfa-code 123456"), "my$", "{name}");
        assert_eq!(
            term.var("AWS_AS_IDENTITY").as_deref(),
            Some("dev"),
            "{name}"
        );
        assert_eq!(term.run("aws-as-deactivate"), "my$", "{name}");
        assert_eq!(term.prompt(), prompt, "{name}");
    }
}

/// Ctrl-C at the MFA question: the switch is abandoned, the terminal still echoes, and the shell
/// is as it was.
#[test]
fn interrupt_at_the_mfa_prompt() {
    for shell in SHELLS {
        let Some((moto, _home, term)) = session(shell, CONFIG) else {
            continue;
        };
        let shell = shell.name;
        term.run(crate::support::shells::shell(shell).activate());
        let before = term.env("before");
        term.type_line("aws-as dev");
        term.wait_for("Enter MFA code for", 60);
        term.keys("C-c");
        // What is typed before the shell is back at its prompt may be thrown away with the
        // interrupted command (bash does), so wait for the prompt before typing anything.
        term.wait_until("the prompt after Ctrl-C", 60, |s| {
            s.rsplit_once("Enter MFA code for")
                .is_some_and(|(_, after)| after.contains("(-) my$"))
        });
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
    for spec in SHELLS {
        let Some((moto, _home, term)) = session(spec, &config) else {
            continue;
        };
        let shell = spec.name;
        term.run(&spec.export("AWS_ACCESS_KEY_ID", "AKIAUSERSOWNENVKEY01"));
        term.run(&spec.export("AWS_SECRET_ACCESS_KEY", "users-own"));
        let before = term.env("before");
        term.run(spec.activate());
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

/// `aws-as -s` names the shell it was run from, through its parent process.
#[test]
fn detects_every_shell() {
    use aws_as::shell::{DIALECTS, Dialect};
    let home = Home::standard();
    for shell in SHELLS {
        if !require(shell.program) {
            continue;
        }
        let dialect: Dialect = *DIALECTS.iter().find(|d| d.name() == shell.dialect).unwrap();
        let mut cmd = std::process::Command::new(shell.program);
        match shell.family {
            // In a substitution, as `eval "$(aws-as -s)"` runs it.
            Family::Sh => cmd.args(["-c", "x=$(aws-as -s); printf '%s\\n' \"$x\""]),
            Family::Fish => cmd.args(["--no-config", "-c", "aws-as -s | string collect -N"]),
            Family::Csh => cmd.args(["-f", "-c", "aws-as -s; true"]),
        };
        home.clean_env(&mut cmd, "http://127.0.0.1:9");
        let out = cmd.output().unwrap();
        // What `-s` prints when it is told the dialect: the same line (the sh family) or script.
        let told = home.run("http://127.0.0.1:9", &["-s", dialect.name()]);
        assert_eq!(
            stdout(&out),
            stdout(&told),
            "{}: {}",
            shell.name,
            stderr(&out)
        );
    }
}

/// csh and tcsh: a multi-line prompt with `!` and `%` survives activation, switching and
/// deactivation whole; a redirection after the alias is refused with the way to write it.
#[test]
fn csh_multiline_prompt_and_redirections() {
    for name in ["tcsh", "csh"] {
        let shell = shell(name);
        let Some((_moto, home, term)) = session(shell, CONFIG) else {
            continue;
        };
        let file = home.path().join("prompt.csh");
        std::fs::write(&file, "set prompt = \"top %% !\\\nmy$ \"\n").unwrap();
        term.run(&format!("source {}", file.display()));
        let before = term.var("prompt").unwrap();
        assert!(before.contains('\n'), "{name}: {before:?}");
        term.run(shell.activate());
        assert_eq!(
            term.var("prompt").unwrap(),
            format!("(-) {before}"),
            "{name}"
        );
        term.run("aws-as dev --mfa-code 123456");
        assert_eq!(
            term.var("prompt").unwrap(),
            format!("(dev) {before}"),
            "{name}"
        );
        let out = term.output_of("aws-as list > /dev/null; echo rc=$status");
        assert!(
            out.contains("(aws-as list) > FILE") && out.contains("rc=1"),
            "{name}: {out}"
        );
        let listed = home.path().join("listed");
        term.run(&format!("(aws-as list) > {}", listed.display()));
        assert!(
            std::fs::read_to_string(&listed).unwrap().contains("dev"),
            "{name}"
        );
        term.run("aws-as-deactivate");
        assert_eq!(term.var("prompt").unwrap(), before, "{name}");
    }
}
