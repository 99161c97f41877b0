//! Catalogues from a file (`source = "file"`): `catalog sync` checks every entry and writes the
//! local copy, catalogue identities switch through `via`'s chain and show in `list`, the prompt
//! and completion, a failed sync keeps the previous copy, and `catalog write-config` gives the
//! AWS CLI a profile for each.

use crate::support::shells::shell;
use crate::support::term::Term;
use crate::support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// A team's file: two good entries (one chaining three roles), and hostile ones that must be
/// skipped: a name made to inject, a bad ARN, a duplicate, one that carries credentials, and
/// one whose region is shell code.
const TEAM: &str = r#"
[[account]]
name = "team-alpha"
id = "111111111111"
description = "Alpha"
region = ["eu-central-1", "us-east-1"]
role = ["arn:aws:iam::111111111111:role/hop1", "arn:aws:iam::222222222222:role/hop2", "arn:aws:iam::333333333333:role/target"]

[[account]]
name = "team-beta"
id = "444444444444"
role = ["arn:aws:iam::444444444444:role/admin"]

[[account]]
name = "x$(touch /tmp/aws-as-pwned)"
role = ["arn:aws:iam::444444444444:role/admin"]

[[account]]
name = "team-badarn"
role = ["arn:aws:iam::44:role/admin"]

[[account]]
name = "team-beta"
role = ["arn:aws:iam::555555555555:role/other"]

[[account]]
name = "team-creds"
role = ["arn:aws:iam::444444444444:role/admin"]
aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

[[account]]
name = "team-region"
region = ["eu-west-1;reboot"]
role = ["arn:aws:iam::444444444444:role/admin"]
"#;

fn setup(team: &str) -> (Home, PathBuf) {
    let home = Home::standard();
    let file = home.path().join("accounts.toml");
    std::fs::write(&file, team).unwrap();
    home.settings(
        "[catalog.team]\nsource = \"file\"\npath = \"~/accounts.toml\"\nvia = \"user\"\n",
    );
    (home, file)
}

fn copy_path(home: &Home) -> PathBuf {
    home.path().join(".local/share/aws-as/catalogs/team.db")
}

#[test]
fn sync_checks_every_entry_and_writes_a_private_copy() {
    let (home, _) = setup(TEAM);
    let out = home.run("http://127.0.0.1:9", &["catalog", "sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "team: 2 identities (+2 -0)\n");
    let err = stderr(&out);
    for needle in [
        "is not a valid identity name",
        "`team-badarn` has a role that is not an IAM role ARN",
        "`team-beta` is a duplicate name",
        "`team-creds` carries aws_secret_access_key",
        "`team-region` has a region that is not a region name",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(
        !err.contains("wJalrXUtnFEMI"),
        "a secret reached a message: {err}"
    );
    assert!(err.lines().all(|l| l.starts_with("aws-as: ")), "{err}");
    let copy = copy_path(&home);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&copy), 0o600);
    assert_eq!(mode(copy.parent().unwrap()), 0o700);

    // Again: nothing added or removed.
    let out = home.run("http://127.0.0.1:9", &["catalog", "sync", "team"]);
    assert_eq!(
        stdout(&out),
        "team: 2 identities (+0 -0)\n",
        "{}",
        stderr(&out)
    );

    // list: a source column, and the filter.
    let out = home.run("http://127.0.0.1:9", &["list", "team-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("SOURCE"), "{text}");
    assert!(
        lines[1].contains("team-alpha")
            && lines[1].contains(" team ")
            && lines[1].contains(" role "),
        "{text}"
    );
    assert!(lines[2].contains("team-beta"), "{text}");
    let all = stdout(&home.run("http://127.0.0.1:9", &["list"]));
    assert!(all.contains("  dev ") && all.contains(" config "), "{all}");
    assert!(!all.contains("touch"), "{all}");
}

#[test]
fn a_three_role_entry_chains_from_via_and_is_cached() {
    let Some(moto) = Moto::start() else { return };
    let (home, _) = setup(TEAM);
    let out = home.run(&moto.url(), &["catalog", "sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    moto.reset();
    let out = home.run(
        &moto.url(),
        &["__hook", "bash", "--", "team-alpha", "--mfa-code", "123456"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let code = stdout(&out);
    assert!(
        code.contains("export AWS_REGION='eu-central-1'\n"),
        "{code}"
    );
    assert!(code.contains("AWS_AS_IDENTITY='team-alpha'"), "{code}");
    let err = stderr(&out);
    for (i, arn) in ["hop1", "hop2", "target"].iter().enumerate() {
        assert!(
            err.contains(&format!("[{}/4]", i + 2)) && err.contains(arn),
            "{err}"
        );
    }
    let calls = moto.requests();
    let actions: Vec<&str> = calls.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole"],
        "{calls:?}"
    );
    assert_eq!(calls[0].params["TokenCode"], "123456");
    assert_eq!(calls[0].signing_key, LONG_TERM_KEY);
    assert_eq!(
        calls[1].params["RoleArn"],
        "arn:aws:iam::111111111111:role/hop1"
    );
    assert_eq!(
        calls[2].params["RoleArn"],
        "arn:aws:iam::222222222222:role/hop2"
    );
    assert_eq!(
        calls[3].params["RoleArn"],
        "arn:aws:iam::333333333333:role/target"
    );
    // Each hop is signed with the key the one before it returned.
    assert_eq!(calls[1].signing_key, MOTO_SESSION_KEY);
    assert_ne!(calls[2].signing_key, calls[1].signing_key);
    assert_ne!(calls[3].signing_key, calls[2].signing_key);
    assert!(calls[2].signing_key.starts_with("ASIA") && calls[3].signing_key.starts_with("ASIA"));

    // list finds the cached credentials of the catalogue identity, and of `user`'s session.
    let listed = stdout(&home.run(&moto.url(), &["list"]));
    let row = |name: &str| {
        listed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name}: {listed}"))
            .to_string()
    };
    assert!(row("team-alpha").contains("cached, "), "{listed}");
    assert!(row("team-beta").ends_with(" -"), "{listed}");
    assert!(row("dev").ends_with(" -"), "{listed}");

    // A second switch, and an export with another of its regions: no request.
    moto.reset();
    let out = home.run(&moto.url(), &["__hook", "bash", "--", "team-alpha"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.run(&moto.url(), &["export", "team-alpha", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // --region picks another of the entry's regions, from the same cached credentials.
    let out = home.run(
        &moto.url(),
        &[
            "__hook",
            "bash",
            "--",
            "team-alpha",
            "--region",
            "us-east-1",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("export AWS_REGION='us-east-1'\n"),
        "{}",
        stdout(&out)
    );
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());
    let out = home.run(
        &moto.url(),
        &["export", "team-alpha", "--region", "eu-west-1;id"],
    );
    assert_clean_failure(&out, "is not a region name");
    // The session of `user` serves the catalogue's other identities too: one more AssumeRole.
    let out = home.run(&moto.url(), &["export", "team-beta"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("AWS_REGION"),
        "an entry without a region leaves it alone"
    );
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["AssumeRole"]);
}

#[test]
fn a_failed_sync_keeps_the_previous_copy() {
    let (home, file) = setup(TEAM);
    assert!(
        home.run("http://127.0.0.1:9", &["catalog", "sync"])
            .status
            .success()
    );
    let before = std::fs::read(copy_path(&home)).unwrap();
    for broken in ["[[account]\nname = ", "[{\"name\": 1"] {
        std::fs::write(&file, broken).unwrap();
        let out = home.run("http://127.0.0.1:9", &["catalog", "sync"]);
        assert_clean_failure(&out, "team: could not read");
        assert!(
            stderr(&out).contains("its local copy is unchanged"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(copy_path(&home)).unwrap(), before);
    }
    std::fs::remove_file(&file).unwrap();
    let out = home.run("http://127.0.0.1:9", &["catalog", "sync"]);
    assert_clean_failure(&out, "does not exist");
    assert_eq!(std::fs::read(copy_path(&home)).unwrap(), before);
    // The copy still serves: list shows it.
    assert!(stdout(&home.run("http://127.0.0.1:9", &["list"])).contains("team-alpha"));
}

#[test]
fn a_profile_wins_over_its_namesake_and_a_stale_copy_says_so() {
    let (home, _) = setup(TEAM.replace("team-beta", "dev").as_str());
    let out = home.run("http://127.0.0.1:9", &["catalog", "sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("have the name of a profile in the AWS config files, which wins: dev"),
        "{}",
        stderr(&out)
    );
    let Some(moto) = Moto::start() else { return };
    let out = home.run(&moto.url(), &["export", "dev", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let roles: Vec<String> = moto
        .requests()
        .into_iter()
        .filter(|r| r.action == "AssumeRole")
        .map(|r| r.params["RoleArn"].clone())
        .collect();
    assert_eq!(roles, ["arn:aws:iam::123456789012:role/dev"]);

    // Unknown names say the catalogues were looked in too.
    let out = home.run(&moto.url(), &["export", "nobody"]);
    assert_clean_failure(&out, "nor in a catalogue's local copy");

    // With catalog_max_age = 0 every copy is stale: one line, and the switch goes on.
    home.settings(
        "catalog_max_age = \"0s\"\n[catalog.team]\nsource = \"file\"\npath = \"~/accounts.toml\"\nvia = \"user\"\n",
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = home.run(&moto.url(), &["__hook", "bash", "--", "team-alpha"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("aws-as catalog sync team").count(), 1, "{err}");
    assert!(stdout(&out).contains("AWS_AS_IDENTITY='team-alpha'"));
}

#[test]
fn settings_of_a_catalogue_are_checked() {
    let home = Home::standard();
    for (text, needle) in [
        (
            "[catalog.a]\nsource = \"file\"\nvia = \"user\"\n",
            "needs `path`",
        ),
        ("[catalog.a]\nsource = \"ftp\"\n", "unknown variant"),
        (
            "[catalog.a]\nsource = \"dynamodb\"\nvia = \"user\"\nregion = \"eu-west-1\"\n",
            "needs `table`",
        ),
        (
            "[catalog.a]\nsource = \"organizations\"\nvia = \"user\"\nname = \"{nope}\"\n",
            "{nope}",
        ),
        (
            "[catalog.\"a b\"]\nsource = \"file\"\nvia = \"user\"\npath = \"x\"\n",
            "a catalogue's name",
        ),
        (
            "[catalog.a]\nsource = \"file\"\nvia = \"user\"\npath = \"x\"\nendpoint = \"http://x\"\n",
            "unknown field",
        ),
    ] {
        home.settings(text);
        let out = home.run("http://127.0.0.1:9", &["catalog", "sync"]);
        assert_clean_failure(&out, needle);
    }
}

#[test]
fn write_config_gives_the_aws_cli_a_profile_for_each_identity() {
    let Some(moto) = Moto::start() else { return };
    if !require(venv().join("bin/aws").to_str().unwrap()) {
        return;
    }
    let (home, file) = setup(TEAM);
    assert!(home.run(&moto.url(), &["catalog", "sync"]).status.success());
    let config = home.path().join(".aws/config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    let original = std::fs::read_to_string(&config).unwrap();
    let out = home.run(&moto.url(), &["catalog", "write-config"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("2 catalogue profiles"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.starts_with(&original),
        "what was there stays byte for byte"
    );
    assert!(
        written.contains("# BEGIN aws-as catalog\n") && written.ends_with("# END aws-as catalog\n")
    );
    assert!(written.contains(
        "[profile team-alpha]\ncredential_process = aws-as export team-alpha --format credential-process\nregion = eu-central-1\n"
    ), "{written}");
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o640
    );

    // The AWS CLI, through the profile: aws-as resolves it as the catalogue identity.
    // A code can't be typed by the AWS CLI: prime the session first, as a user's switch would.
    let out = home.run(
        &moto.url(),
        &["export", "team-beta", "--mfa-code", "123456"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let aws = std::process::Command::new(venv().join("bin/aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "team-beta",
            "--query",
            "Arn",
            "--output",
            "text",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path_with_bin())
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // team-beta's entry has no region, so its profile has none.
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .current_dir(home.path())
        .output()
        .unwrap();
    assert!(
        aws.status.success(),
        "{}",
        String::from_utf8_lossy(&aws.stderr)
    );
    assert!(
        String::from_utf8_lossy(&aws.stdout).contains("assumed-role/admin/"),
        "{}",
        String::from_utf8_lossy(&aws.stdout)
    );

    // An account leaves the catalogue: its profile goes, and nothing outside the block moves.
    std::fs::write(&file, TEAM.replace("team-beta", "team-gamma")).unwrap();
    assert!(home.run(&moto.url(), &["catalog", "sync"]).status.success());
    std::fs::write(
        &config,
        format!(
            "{}\n[profile after]\nregion = us-east-2\n",
            std::fs::read_to_string(&config).unwrap()
        ),
    )
    .unwrap();
    let out = home.run(&moto.url(), &["catalog", "write-config"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = std::fs::read_to_string(&config).unwrap();
    assert!(again.starts_with(&original));
    assert!(
        again.ends_with("# END aws-as catalog\n\n[profile after]\nregion = us-east-2\n"),
        "{again}"
    );
    assert!(
        !again.contains("team-beta") && again.contains("[profile team-gamma]"),
        "{again}"
    );
    assert!(stderr(&out).contains("(+1 -1)"), "{}", stderr(&out));
}

/// In a real bash and zsh: a catalogue identity completes, switches with the MFA code asked on
/// the terminal, and shows in the prompt.
fn shell_flow(name: &str) {
    let shell = shell(name);
    if !require(shell.program) || !require("tmux") {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    let (home, _) = setup(TEAM);
    assert!(home.run(&moto.url(), &["catalog", "sync"]).status.success());
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", moto.url()),
    ];
    let term = Term::shell(shell, &env, home.path());
    term.run(&shell.set_prompt("my$ "));
    if name == "zsh" {
        term.run(&format!(
            "fpath=({} $fpath); autoload -Uz compinit; compinit -D -u",
            repo().join("completions").display()
        ));
    } else {
        term.run(&format!(
            "source {}",
            repo().join("completions/aws-as.bash").display()
        ));
    }
    assert_eq!(term.run(shell.activate()), "(-) my$", "{name}");
    term.keys("aws-as team-al");
    term.keys("Tab");
    term.wait_for("aws-as team-alpha", 20);
    term.keys("Enter");
    term.wait_for("Enter MFA code for", 60);
    term.type_line("123456");
    assert_eq!(term.sync(), "(team-alpha) my$", "{name}");
    let env = term.env("after");
    assert_eq!(
        env.get("AWS_AS_IDENTITY").map(String::as_str),
        Some("team-alpha")
    );
    assert_eq!(
        env.get("AWS_REGION").map(String::as_str),
        Some("eu-central-1")
    );
    assert!(!std::path::Path::new("/tmp/aws-as-pwned").exists());
}

#[test]
fn bash_switches_to_a_catalogue_identity() {
    shell_flow("bash");
}

#[test]
fn zsh_switches_to_a_catalogue_identity() {
    shell_flow("zsh");
}
