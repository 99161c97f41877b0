//! The binary's interface without a shell: what the hook prints, exit codes, and the commands
//! that only read.

use crate::support::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn hook_prints_only_shell_statements() {
    let Some(moto) = Moto::start() else { return };
    let config = format!(
        "{CONFIG}\n[profile noregion]\nrole_arn = arn:aws:iam::1:role/n\nsource_profile = bare\n\n[profile bare]\naws_access_key_id = AKIABARE\naws_secret_access_key = x\n"
    );
    let home = Home::new(&config, &credentials());
    let out = home.run(
        &moto.url(),
        &["__hook", "bash", "--", "dev", "--mfa-code", "123456"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14, "{text}");
    for line in &lines[..12] {
        assert!(
            line.starts_with("export AWS_")
                || line.starts_with("unset AWS_")
                || line.starts_with("__aws_as_restore AWS_"),
            "unexpected statement {line:?}"
        );
    }
    assert_eq!(lines[12], "__aws_as_label '(dev) '");
    // The prompt renews from refresh_margin before the expiry, into the cache directory.
    let expires: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_AS_EXPIRATION='"))
        .and_then(|v| v.trim_end_matches('\'').parse().ok())
        .expect("an expiry");
    assert!(
        lines[13].starts_with(&format!("__aws_as_due {} '/", expires - 300)),
        "{}",
        lines[13]
    );
    assert!(text.contains("export AWS_AS_REGION='eu-west-1'\n"));
    assert!(text.contains("export AWS_AS_REGION_SET='=eu-west-1 =eu-west-1'\n"));
    assert!(text.contains("export AWS_AS_IDENTITY='dev'\n"));
    assert!(text.contains("export AWS_REGION='eu-west-1'\n"));
    assert!(text.contains("unset AWS_PROFILE\n"));

    // A chain that names no region returns the region variables to their saved state.
    let out = home.run(&moto.url(), &["__hook", "zsh", "--", "noregion"]);
    let text = stdout(&out);
    assert!(text.contains("__aws_as_restore AWS_REGION\n"), "{text}");
    assert!(
        text.contains("__aws_as_restore AWS_DEFAULT_REGION\n"),
        "{text}"
    );

    // `-` clears.
    let text = stdout(&home.run(&moto.url(), &["__hook", "bash", "--", "-"]));
    assert!(text.contains("unset AWS_ACCESS_KEY_ID\n") && text.contains("unset AWS_AS_IDENTITY\n"));

    // Data commands, help and version are handed back to run outside the hook.
    for args in [
        &["list"][..],
        &["--help"],
        &["--version"],
        &["cache", "list"],
        &[],
    ] {
        let mut all = vec!["__hook", "bash", "--"];
        all.extend_from_slice(args);
        let out = home.run(&moto.url(), &all);
        assert!(out.status.success());
        assert_eq!(stdout(&out), "__aws_as_run \"$@\"\n", "{args:?}");
    }

    // A usage error: exit 2, one line, and nothing to evaluate.
    let out = home.run(&moto.url(), &["__hook", "bash", "--", "dev", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).starts_with("aws-as: unexpected argument '--bogus'"));
}

/// The hook prints credentials as code for the shell function; run by hand on a terminal it
/// refuses rather than show them.
#[test]
fn hook_never_prints_to_a_terminal() {
    let Some(moto) = Moto::start() else { return };
    if !require("script") {
        return;
    }
    let home = Home::standard();
    let line = format!("{} __hook bash -- dev --mfa-code 123456", bin().display());
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    home.clean_env(&mut cmd, &moto.url());
    let out = cmd.output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("never to a terminal"), "{text}");
    assert!(!text.contains("export AWS_"), "{text}");
    assert!(moto.requests().is_empty());
}

#[test]
fn switching_without_the_shell_function_says_how() {
    let home = Home::standard();
    let out = home.run("http://127.0.0.1:9", &["dev"]);
    assert_clean_failure(&out, "eval \"$(aws-as -s)\"");
    let out = home.run("http://127.0.0.1:9", &["-"]);
    assert_clean_failure(&out, "shell function is not loaded");
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::standard();
    for args in [
        &["--nope"][..],
        &["-s", "powershell"],
        &["export"],
        &["dev", "extra"],
    ] {
        let out = home.run("http://127.0.0.1:9", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(stderr(&out).starts_with("aws-as: "), "{}", stderr(&out));
    }
}

#[test]
fn init_prints_one_line_and_the_script() {
    let home = Home::standard();
    // The sh family gets one line that sources the integration from a file in aws-as's cache
    // directory, 0600: exactly what `init SHELL --script` prints, the script and the statement
    // that activates it. One line survives the unquoted `eval $(aws-as -s)`.
    for (args, dialect) in [
        (&["-s", "bash"][..], "bash"),
        (&["init", "zsh"], "zsh"),
        (&["-s", "ksh"], "sh"),
    ] {
        let line = stdout(&home.run("http://127.0.0.1:9", args));
        let path = line
            .strip_prefix(". '")
            .and_then(|l| l.strip_suffix("'\n"))
            .unwrap_or_else(|| panic!("{args:?}: {line:?}"));
        let path = std::path::Path::new(path);
        assert!(path.starts_with(home.cache_dir()), "{}", path.display());
        assert!(path.to_str().unwrap().ends_with(&format!(".{dialect}")));
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let script = stdout(&home.run("http://127.0.0.1:9", &["init", dialect, "--script"]));
        assert_eq!(std::fs::read_to_string(path).unwrap(), script);
        assert!(script.contains("aws-as-deactivate"), "{script}");
        assert!(script.ends_with("__aws_as_activate '(-) '\nunset -f __aws_as_activate\n"));
    }
    // When the cache directory can't hold it (here: a path the unquoted form would split), the
    // line has aws-as print the script itself.
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["-s", "bash"],
        &[("AWS_AS_CACHE_DIR", "/tmp/a directory with spaces")],
    );
    assert_eq!(
        stdout(&out),
        "eval \"$(command aws-as init bash --script)\"\n"
    );
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["init", "zsh"],
        &[("AWS_AS_CACHE_DIR", "relative")],
    );
    assert_eq!(
        stdout(&out),
        "eval \"`command aws-as init zsh --script`\"\n"
    );
    // Falling back to $SHELL when the parent is no shell.
    let mut cmd = home.cmd("http://127.0.0.1:9");
    cmd.arg("-s").env("SHELL", "/usr/bin/zsh");
    assert!(stdout(&cmd.output().unwrap()).ends_with(".zsh'\n"));
    // fish and csh get the script itself; csh's has no comments and one statement per line,
    // each ending in `;`, for ``eval "`aws-as -c`"``.
    let out = home.run("http://127.0.0.1:9", &["-s", "fish"]);
    assert!(stdout(&out).starts_with("# aws-as: shell integration for fish.\n"));
    let out = home.run("http://127.0.0.1:9", &["-c"]);
    let csh = stdout(&out);
    assert!(
        csh.lines().count() > 20 && csh.lines().all(|l| l.ends_with(';') && !l.contains("# ")),
        "{csh}"
    );
    assert_eq!(
        stdout(&home.run("http://127.0.0.1:9", &["init", "tcsh"])),
        csh
    );
    // An identity inherited from the parent shell: the prompt renews it refresh_margin (5m)
    // before it expires, and `auto_refresh = false` leaves that out.
    let inherited = [
        ("AWS_AS_IDENTITY", "dev"),
        ("AWS_AS_EXPIRATION", "2000000000"),
        ("AWS_AS_REGION", "eu-west-1"),
    ];
    let script = stdout(&home.run_env(
        "http://127.0.0.1:9",
        &["init", "bash", "--script"],
        &inherited,
    ));
    let due = format!(
        "\n__aws_as_due 1999999700 '{}'\n",
        std::fs::canonicalize(home.cache_dir()).unwrap().display()
    );
    assert!(script.ends_with(&due), "{}", &script[script.len() - 300..]);
    assert!(script.contains("__aws_as_activate '(dev) '"));
    home.settings("auto_refresh = false\n");
    let script = stdout(&home.run_env(
        "http://127.0.0.1:9",
        &["init", "bash", "--script"],
        &inherited,
    ));
    assert!(script.ends_with("unset -f __aws_as_activate\n"));
}

#[test]
fn status_reports_the_identity_from_the_environment() {
    let home = Home::standard();
    let out = home.run("http://127.0.0.1:9", &[]);
    assert_eq!(stdout(&out), "-\n");
    let mut cmd = home.cmd("http://127.0.0.1:9");
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 42 * 60
        + 30;
    cmd.arg("status")
        .env("AWS_AS_IDENTITY", "dev")
        .env("AWS_AS_EXPIRATION", exp.to_string());
    let text = stdout(&cmd.output().unwrap());
    assert!(text.starts_with("identity  dev\n"), "{text}");
    assert!(text.contains("(42m left)"), "{text}");
    let mut cmd = home.cmd("http://127.0.0.1:9");
    cmd.env("AWS_AS_IDENTITY", "dev")
        .env("AWS_AS_EXPIRATION", "1000");
    let text = stdout(&cmd.output().unwrap());
    assert!(text.contains("1970-01-01T00:16:40Z (expired)\n"), "{text}");
}
