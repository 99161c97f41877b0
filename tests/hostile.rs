//! Hostile profile names and config values, in a real `~/.aws/config`, switched to in every
//! shell as a user would: each one either switches, with AWS_AS_IDENTITY equal to the name byte
//! for byte and the name in the prompt, or is refused with one clear message and changes
//! nothing. No canary file is ever created: at switch time, at prompt time or at deactivation.
//! The ordinary profiles beside them keep working.

use crate::support::shells::{Family, SHELLS, Shell};
use crate::support::term::Term;
use crate::support::*;

#[derive(Debug, Clone, Copy)]
pub enum Expect {
    Switch,
    /// Refused; the message holds this.
    Refuse(&'static str),
}

use Expect::*;

const BAD_NAME: Expect = Refuse("is not a valid profile name");
const BAD_REGION: Expect = Refuse("which is not a region name");
const BAD_SESSION: Expect = Refuse("which STS would refuse");

/// (profile name, region, role_session_name, what happens)
pub const CASES: &[(&str, Option<&str>, Option<&str>, Expect)] = &[
    // Names the SDKs refuse (aws-config drops them silently; aws-as says why).
    ("it's", None, None, BAD_NAME),
    ("\"dq\"", None, None, BAD_NAME),
    ("$(touch canary1)", None, None, BAD_NAME),
    ("`touch canary2`", None, None, BAD_NAME),
    ("a;touch canary3", None, None, BAD_NAME),
    ("a|touch canary4", None, None, BAD_NAME),
    ("a&&touch canary5", None, None, BAD_NAME),
    ("!!", None, None, BAD_NAME),
    ("a!b", None, None, BAD_NAME),
    ("%n%F{red}", None, None, BAD_NAME),
    ("{a,b}", None, None, BAD_NAME),
    ("*", None, None, BAD_NAME),
    ("?", None, None, BAD_NAME),
    ("[a]", None, None, BAD_NAME),
    ("#hash", None, None, BAD_NAME),
    ("has space", None, None, BAD_NAME),
    ("back\\slash", None, None, BAD_NAME),
    ("ünïcödé", None, None, BAD_NAME),
    ("$HOME", None, None, BAD_NAME),
    ("~", None, None, BAD_NAME),
    ("=ls", None, None, BAD_NAME),
    ("a'b\"c", None, None, BAD_NAME),
    // Names the SDKs accept, hostile all the same: options, printf and prompt escapes, paths.
    ("-n", None, None, Switch),
    ("--help", None, None, Switch),
    ("-e", None, None, Switch),
    ("100%", None, None, Switch),
    ("%s%n%%", None, None, Switch),
    ("../x", None, None, Switch),
    ("a:b@c+d/e.f", None, None, Switch),
    ("@", None, None, Switch),
    // Hostile values in ordinary profiles.
    ("region-subst", Some("$(touch canary6)"), None, BAD_REGION),
    (
        "region-semicolon",
        Some("eu-west-1;touch canary7"),
        None,
        BAD_REGION,
    ),
    (
        "region-backquote",
        Some("`touch canary8`"),
        None,
        BAD_REGION,
    ),
    ("region-quote", Some("eu-west-1'"), None, BAD_REGION),
    ("region-upper", Some("EU-WEST-1"), None, Switch),
    ("session-subst", None, Some("$(touch canary9)"), BAD_SESSION),
    ("session-quote", None, Some("it's"), BAD_SESSION),
    ("session-percent", None, Some("%n!"), BAD_SESSION),
    ("session-punct", None, Some("a=b,c.d@e-f+g"), Switch),
];

/// The config: the hostile profiles between two ordinary ones, all roles on a user without MFA.
fn config() -> String {
    let role = "role_arn = arn:aws:iam::123456789012:role/h\nsource_profile = plain\n";
    let mut text = format!("[profile first]\n{role}\n");
    for (name, region, session, _) in CASES {
        text.push_str(&format!("[profile {name}]\n{role}"));
        if let Some(r) = region {
            text.push_str(&format!("region = {r}\n"));
        }
        if let Some(s) = session {
            text.push_str(&format!("role_session_name = {s}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!("[profile last]\n{role}"));
    text
}

fn credentials() -> String {
    format!(
        "[plain]\naws_access_key_id = {LONG_TERM_KEY}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    )
}

/// How the shell refers to case `i`'s name, which it holds in the environment as H<i>: typing
/// the names themselves would test the test's own quoting, not aws-as's.
fn name_ref(shell: Shell, i: usize) -> String {
    match shell.family {
        Family::Fish => format!("$H{i}"),
        Family::Sh | Family::Csh => format!("\"$H{i}\""),
    }
}

fn canaries(home: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(home)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("canary"))
        .collect()
}

fn suite(shell: Shell) {
    if !require(shell.program) || !require("tmux") {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(&config(), &credentials());
    let mut env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
    ];
    let keys: Vec<String> = (0..CASES.len()).map(|i| format!("H{i}")).collect();
    for (i, (name, ..)) in CASES.iter().enumerate() {
        env.push((keys[i].as_str(), name.to_string()));
    }
    let term = Term::shell(shell, &env, home.path());
    let who = shell.name;
    term.run(&shell.set_prompt("my$ "));
    assert_eq!(term.run(shell.activate()), "(-) my$", "{who}");
    assert_eq!(term.run("aws-as first"), "(first) my$", "{who}");

    let mut identity = "first".to_string();
    let mut region = None::<String>;
    let mut switched = 0;
    for (i, (name, _, session, expect)) in CASES.iter().enumerate() {
        moto.reset();
        let (out, prompt) = term.output_and_prompt(&format!(
            "aws-as -- {}; echo rc={}; printenv AWS_AS_IDENTITY; printenv AWS_REGION",
            name_ref(shell, i),
            shell.status()
        ));
        let lines: Vec<&str> = out.lines().collect();
        let rc = lines
            .iter()
            .position(|l| l.starts_with("rc="))
            .unwrap_or_else(|| panic!("{who}: {name:?}: no status in {out:?}"));
        let after: Vec<&str> = lines[rc + 1..].to_vec();
        match expect {
            Switch => {
                assert_eq!(lines[rc], "rc=0", "{who}: {name:?}: {out}");
                assert_eq!(
                    after.first().copied(),
                    Some(*name),
                    "{who}: {name:?}: {out}"
                );
                assert_eq!(prompt, format!("({name}) my$"), "{who}: {name:?}");
                identity = name.to_string();
                region = after.get(1).map(|r| r.to_string());
                if let Some(s) = session {
                    let sent: Vec<_> = moto
                        .requests()
                        .into_iter()
                        .filter(|r| r.action == "AssumeRole")
                        .map(|r| r.params["RoleSessionName"].clone())
                        .collect();
                    assert_eq!(sent, vec![s.to_string()], "{who}: {name:?}");
                }
                switched += 1;
            }
            Refuse(needle) => {
                assert_eq!(lines[rc], "rc=1", "{who}: {name:?}: {out}");
                let messages: Vec<&&str> =
                    lines[..rc].iter().filter(|l| !l.starts_with('[')).collect();
                assert_eq!(messages.len(), 1, "{who}: {name:?}: one message: {out}");
                assert!(
                    messages[0].starts_with("aws-as: could not switch to `")
                        && messages[0].contains(needle),
                    "{who}: {name:?}: {out}"
                );
                assert_eq!(
                    after.first().copied(),
                    Some(identity.as_str()),
                    "{who}: {name:?}"
                );
                assert_eq!(
                    after.get(1).map(|r| r.to_string()),
                    region,
                    "{who}: {name:?}"
                );
                assert_eq!(prompt, format!("({identity}) my$"), "{who}: {name:?}");
                assert!(moto.requests().is_empty(), "{who}: {name:?} reached STS");
            }
        }
    }
    assert_eq!(
        switched,
        CASES.iter().filter(|c| matches!(c.3, Switch)).count()
    );
    assert_eq!(
        term.run("aws-as -- \"$H34\""),
        "(region-upper) my$",
        "{who}"
    );
    assert_eq!(
        term.var("AWS_REGION").as_deref(),
        Some("EU-WEST-1"),
        "{who}"
    );

    // The ordinary profiles beside them: listed, and switched to.
    let list = term.output_of("aws-as list");
    assert!(
        list.contains("first") && list.contains("last") && list.contains("--help"),
        "{who}: {list}"
    );
    assert_eq!(term.run("aws-as last"), "(last) my$", "{who}");
    assert_eq!(term.run("aws-as-deactivate"), "my$", "{who}");
    term.run("true");
    assert_eq!(canaries(home.path()), Vec::<String>::new(), "{who}");
}

#[test]
fn there_are_enough_cases() {
    assert!(CASES.len() >= 30);
    assert_eq!(CASES[34].0, "region-upper");
}

#[test]
fn hostile_names_in_every_shell() {
    for shell in SHELLS {
        suite(shell);
    }
}
