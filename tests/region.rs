//! CONTRACT section 9 in real bash, zsh, fish and tcsh, typed through tmux: `--region`,
//! `aws-as region R` and `aws-as region -` (no STS call), `{region}` in the prompt, a region the
//! user set by hand surviving the switches after it, and the three pre-activation states of
//! AWS_REGION (unset, empty, set) coming back exactly.

use crate::support::shells::{Family, Shell, shell};
use crate::support::term::Term;
use crate::support::*;
use std::collections::BTreeMap;

/// The standard profiles, and one whose chain names no region at all.
fn config() -> String {
    format!(
        "{CONFIG}\n[profile noregion]\nrole_arn = arn:aws:iam::123456789012:role/n\nsource_profile = bare\n"
    )
}

fn creds() -> String {
    format!(
        "{}\n[bare]\naws_access_key_id = AKIABARE0000000000001\naws_secret_access_key = x\n",
        credentials()
    )
}

/// AWS_REGION before activation.
#[derive(Debug, Clone, Copy)]
enum Before {
    Unset,
    Empty,
    Set,
}

fn start(shell: Shell, home: &Home, moto: &Moto, before: Before) -> Term {
    let mut env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
    ];
    match before {
        Before::Unset => {}
        Before::Empty => env.push(("AWS_REGION", String::new())),
        Before::Set => env.push(("AWS_REGION", "us-east-1".to_string())),
    }
    let term = Term::shell(shell, &env, home.path());
    term.run(&shell.set_prompt("my$ "));
    term
}

fn get<'a>(env: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    env.get(name).map(String::as_str)
}

/// AWS_REGION, AWS_DEFAULT_REGION and AWS_AS_REGION.
fn regions(term: &Term, label: &str) -> [Option<String>; 3] {
    let env = term.env(label);
    ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_AS_REGION"].map(|v| get(&env, v).map(str::to_owned))
}

fn some(r: &str) -> Option<String> {
    Some(r.to_string())
}

fn session(name: &str, before: Before) -> Option<(Shell, Moto, Home, Term)> {
    let shell = shell(name);
    if !require(shell.program) || !require("tmux") {
        return None;
    }
    let moto = Moto::start()?;
    let home = Home::new(&config(), &creds());
    home.settings("prompt_format = \"({name} {region}) \"\n");
    let term = start(shell, &home, &moto, before);
    Some((shell, moto, home, term))
}

fn rules(name: &str) {
    let Some((shell, moto, _home, term)) = session(name, Before::Set) else {
        return;
    };
    let before = term.env("before");
    assert_eq!(term.run(shell.activate()), "(-) my$", "{name}");

    // The profile's own region.
    assert_eq!(
        term.run("aws-as dev --mfa-code 123456"),
        "(dev eu-west-1) my$",
        "{name}"
    );
    assert_eq!(
        regions(&term, "dev"),
        [some("eu-west-1"), some("eu-west-1"), some("eu-west-1")],
        "{name}"
    );
    let keys = get(&term.env("keys"), "AWS_ACCESS_KEY_ID").map(str::to_owned);

    // --region on a switch: from the cache, with the asked region.
    moto.reset();
    assert_eq!(
        term.run("aws-as dev --region ap-south-1"),
        "(dev ap-south-1) my$",
        "{name}"
    );
    assert_eq!(
        regions(&term, "asked"),
        [some("ap-south-1"), some("ap-south-1"), some("ap-south-1")],
        "{name}"
    );
    assert!(moto.requests().is_empty(), "{name}");

    // aws-as region R: no STS call, the same credentials, the label follows.
    assert_eq!(
        term.run("aws-as region sa-east-1"),
        "(dev sa-east-1) my$",
        "{name}"
    );
    let env = term.env("region");
    assert_eq!(get(&env, "AWS_REGION"), Some("sa-east-1"), "{name}");
    assert_eq!(get(&env, "AWS_DEFAULT_REGION"), Some("sa-east-1"), "{name}");
    assert_eq!(
        get(&env, "AWS_ACCESS_KEY_ID").map(str::to_owned),
        keys,
        "{name}"
    );
    assert!(moto.requests().is_empty(), "{name}: {:?}", moto.requests());
    let status: serde_json::Value =
        serde_json::from_str(term.output_of("aws-as status --json").trim()).unwrap();
    assert_eq!(status["region"], "sa-east-1", "{name}");

    // A region that is not one is refused, and nothing changes.
    let out = term.output_of(&format!(
        "aws-as region no_such; echo rc={}",
        shell.status()
    ));
    assert!(
        out.contains("is not a region name") && out.lines().any(|l| l == "rc=1"),
        "{name}: {out}"
    );
    assert_eq!(term.env("refused"), env, "{name}");

    // aws-as region -: the identity's own again.
    assert_eq!(term.run("aws-as region -"), "(dev eu-west-1) my$", "{name}");
    assert_eq!(
        regions(&term, "own"),
        [some("eu-west-1"), some("eu-west-1"), some("eu-west-1")],
        "{name}"
    );

    // Set by hand while dev is active: kept by the next switch, and the one after, while the
    // variable the user left alone follows the identity.
    term.run(&shell.export("AWS_REGION", "ca-central-1"));
    let status: serde_json::Value =
        serde_json::from_str(term.output_of("aws-as status --json").trim()).unwrap();
    assert_eq!(status["region"], "ca-central-1", "{name}");
    assert_eq!(term.run("aws-as prod"), "(prod ca-central-1) my$", "{name}");
    assert_eq!(
        regions(&term, "prod"),
        [
            some("ca-central-1"),
            some("us-west-2"),
            some("ca-central-1")
        ],
        "{name}"
    );
    assert_eq!(term.run("aws-as ops"), "(ops ca-central-1) my$", "{name}");
    assert_eq!(
        regions(&term, "ops"),
        [
            some("ca-central-1"),
            some("eu-west-1"),
            some("ca-central-1")
        ],
        "{name}"
    );
    // An asked region beats it; `region -` forgets it.
    assert_eq!(
        term.run("aws-as ops --region ap-south-1"),
        "(ops ap-south-1) my$",
        "{name}"
    );
    assert_eq!(term.run("aws-as region -"), "(ops eu-west-1) my$", "{name}");
    assert_eq!(
        regions(&term, "forgotten"),
        [some("eu-west-1"), some("eu-west-1"), some("eu-west-1")],
        "{name}"
    );

    // Clearing puts back the pre-activation values; a region set while no identity is active
    // is not the user's choice for the next identity (the profile's wins).
    assert_eq!(term.run("aws-as -"), "(-) my$", "{name}");
    assert_eq!(
        regions(&term, "cleared"),
        [some("us-east-1"), None, None],
        "{name}"
    );
    term.run(&shell.export("AWS_REGION", "ca-central-1"));
    assert_eq!(term.run("aws-as dev"), "(dev eu-west-1) my$", "{name}");

    // Deactivation: everything as before activation.
    assert_eq!(term.run("aws-as-deactivate"), "my$", "{name}");
    let mut after = term.env("deactivated");
    // The hand-set value after `aws-as -` is the user's own variable now, as it was typed.
    assert_eq!(get(&after, "AWS_REGION"), Some("us-east-1"), "{name}");
    after.remove("AWS_REGION");
    let mut expected = before.clone();
    expected.remove("AWS_REGION");
    assert_eq!(after, expected, "{name}");
}

/// The three pre-activation states of AWS_REGION through switches to a chain with no region, to
/// one with a region, a clear and deactivation.
fn states(name: &str) {
    for before_state in [Before::Unset, Before::Empty, Before::Set] {
        let Some((shell, _moto, _home, term)) = session(name, before_state) else {
            return;
        };
        let what = format!("{name} {before_state:?}");
        let before = term.env("before");
        let pre = get(&before, "AWS_REGION").map(str::to_owned);
        match before_state {
            Before::Unset => assert_eq!(pre, None),
            Before::Empty => assert_eq!(pre, some("")),
            Before::Set => assert_eq!(pre, some("us-east-1")),
        }
        term.run(shell.activate());
        // The label shows the region the identity ends up with: none for an empty one.
        let label = match before_state {
            Before::Set => "(noregion us-east-1) my$",
            _ => "(noregion) my$",
        };
        assert_eq!(term.run("aws-as noregion"), label, "{what}");
        let r = regions(&term, "noregion");
        assert_eq!(r[0], pre, "{what}");
        assert_eq!(r[1], None, "{what}");
        assert_eq!(r[2], pre.clone().filter(|p| !p.is_empty()), "{what}");
        assert_eq!(
            term.run("aws-as dev --mfa-code 123456"),
            "(dev eu-west-1) my$",
            "{what}"
        );
        assert_eq!(term.run("aws-as noregion"), label, "{what}");
        assert_eq!(regions(&term, "noregion-2")[0], pre, "{what}");
        term.run("aws-as dev");
        assert_eq!(term.run("aws-as -"), "(-) my$", "{what}");
        let cleared = regions(&term, "cleared");
        assert_eq!(cleared, [pre.clone(), None, None], "{what}");
        term.run("aws-as prod");
        assert_eq!(term.run("aws-as-deactivate"), "my$", "{what}");
        assert_eq!(term.env("deactivated"), before, "{what}");
        if shell.family == Family::Sh {
            // Unset and empty stay apart in the shell itself, too.
            assert_eq!(term.var("AWS_REGION"), pre, "{what}");
        }
    }
}

#[test]
fn bash_region() {
    rules("bash");
    states("bash");
}

#[test]
fn zsh_region() {
    rules("zsh");
    states("zsh");
}

#[test]
fn fish_region() {
    rules("fish");
    states("fish");
}

#[test]
fn tcsh_region() {
    rules("tcsh");
    states("tcsh");
}
