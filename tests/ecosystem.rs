//! aws-as among the tools around it, against moto with real clients: every export format read by
//! its own consumer (the real shells, a JSON parser, python-dotenv), the AWS CLI and boto3 through
//! `credential_process`, `exec`, `status --verify/--json`, and bases that aws-config's own
//! providers obtain (credential_process, web identity, SSO).

use crate::support::*;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A command with the scratch HOME's clean environment, detached from any terminal.
fn detached(home: &Home, moto: &Moto, program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("setsid");
    cmd.arg("-w").arg(program).args(args);
    home.clean_env(&mut cmd, &moto.url());
    cmd.stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}\n{}",
        out.status,
        stderr(out),
        stdout(out)
    );
    stdout(out)
}

/// The lines `env` printed, as a map.
fn env_map(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The variables an export must set, from the JSON export of the same cached credentials.
fn expected(reference: &serde_json::Value) -> Vec<(&'static str, String)> {
    let s = |k: &str| reference[k].as_str().unwrap().to_string();
    vec![
        ("AWS_ACCESS_KEY_ID", s("AccessKeyId")),
        ("AWS_SECRET_ACCESS_KEY", s("SecretAccessKey")),
        ("AWS_SESSION_TOKEN", s("SessionToken")),
        ("AWS_CREDENTIAL_EXPIRATION", s("Expiration")),
        ("AWS_REGION", s("Region")),
        ("AWS_DEFAULT_REGION", s("Region")),
    ]
}

#[test]
fn every_export_format_loads_in_its_own_consumer() {
    let Some(moto) = Moto::start() else { return };
    for program in ["dash", "bash", "zsh", "mksh", "fish", "tcsh"] {
        if !require(program) {
            return;
        }
    }
    let home = Home::standard();
    let reference = json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    assert_eq!(reference["Region"], "eu-west-1");
    let want = expected(&reference);
    moto.reset();

    // Each shell evaluates its format and then runs env(1): the variables must be exported, with
    // exactly the values of the JSON export.
    let cases: [(&str, &str); 6] = [
        ("dash", r#"eval "$(aws-as export dev)" && env"#),
        ("bash", r#"eval "$(aws-as export dev --format sh)" && env"#),
        ("zsh", r#"eval "$(aws-as export dev --format sh)" && env"#),
        ("mksh", r#"eval "$(aws-as export dev --format sh)" && env"#),
        ("fish", "aws-as export dev --format fish | source; and env"),
        ("tcsh", "eval \"`aws-as export dev --format csh`\" && env"),
    ];
    for (shell, script) in cases {
        let out = run(detached(&home, &moto, shell, &["-c", script]));
        let got = env_map(&ok(&out));
        for (name, value) in &want {
            assert_eq!(got.get(*name), Some(value), "{shell}: {name}");
        }
        assert!(
            !got.contains_key("AWS_AS_IDENTITY"),
            "{shell}: an export is not a switch"
        );
    }

    // dotenv, read by python-dotenv as Python tools do.
    let out = home.run(&moto.url(), &["export", "dev", "--format", "dotenv"]);
    let file = home.path().join("creds.env");
    std::fs::write(&file, ok(&out)).unwrap();
    let py = format!(
        "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values({:?})))",
        file.to_str().unwrap()
    );
    let out = run(detached(
        &home,
        &moto,
        &venv().join("bin/python").to_string_lossy(),
        &["-c", &py],
    ));
    let got: HashMap<String, String> = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (name, value) in &want {
        assert_eq!(got.get(*name), Some(value), "dotenv: {name}");
    }

    // credential_process: AWS's Version 1 document, exactly these five fields.
    let out = home.run(
        &moto.url(),
        &["export", "dev", "--format", "credential-process"],
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    assert_eq!(v["Version"], 1);
    assert_eq!(v["Expiration"], reference["Expiration"]);
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["SessionToken"], reference["SessionToken"]);

    assert_eq!(
        moto.requests().len(),
        0,
        "every format was served from the cache"
    );
}

/// A config with profiles whose credential_process is aws-as itself.
fn process_config() -> String {
    let bin = bin();
    format!(
        "{CONFIG}\n[profile cp-dev]\ncredential_process = {b} export dev --format credential-process\nregion = eu-west-1\n\n\
         [profile cp-ops]\ncredential_process = {b} export ops --format credential-process\nregion = eu-west-1\n",
        b = bin.display()
    )
}

#[test]
fn awscli_and_boto3_share_the_cache_and_its_single_mfa_entry_through_credential_process() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(&process_config(), &credentials());
    // One MFA entry, through aws-as.
    let dev = json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    moto.reset();

    // The AWS CLI, with no terminal, gets dev's cached credentials: its only call is its own.
    let aws = venv().join("bin/aws");
    let out = run(detached(
        &home,
        &moto,
        aws.to_str().unwrap(),
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "cp-dev",
            "--output",
            "json",
        ],
    ));
    let who: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(who["Arn"], dev["Arn"]);
    assert!(who["Arn"].as_str().unwrap().contains(":assumed-role/dev/"));
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].action, "GetCallerIdentity");
    assert_eq!(reqs[0].signing_key, dev["AccessKeyId"].as_str().unwrap());

    // boto3 on another role of the same user: aws-as assumes it with the MFA session that is
    // already cached; no second GetSessionToken and no code.
    moto.reset();
    let py = "import boto3\nprint(boto3.Session(profile_name='cp-ops').client('sts').get_caller_identity()['Arn'])";
    let python = venv().join("bin/python");
    let out = run(detached(
        &home,
        &moto,
        python.to_str().unwrap(),
        &["-c", py],
    ));
    let arn = ok(&out);
    assert!(arn.contains(":assumed-role/ops/alice-ops"), "{arn}");
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["AssumeRole", "GetCallerIdentity"]);
    assert_eq!(moto.requests()[0].signing_key, MOTO_SESSION_KEY);

    // A cold cache needs a code, and there is no terminal and no mfa_process: the AWS CLI fails
    // promptly with aws-as's message, and nothing reached STS.
    let cold = Home::new(&process_config(), &credentials());
    moto.reset();
    let start = Instant::now();
    let mut cmd = detached(&cold, &moto, "timeout", &["60", aws.to_str().unwrap()]);
    cmd.args(["sts", "get-caller-identity", "--profile", "cp-dev"]);
    let out = run(cmd);
    assert!(
        start.elapsed() < Duration::from_secs(50),
        "it must not hang"
    );
    assert_ne!(out.status.code(), Some(124), "timed out: {}", stderr(&out));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--mfa-code") && err.contains("mfa_process"),
        "{err}"
    );
    assert_eq!(moto.requests().len(), 0);
}

#[test]
fn exec_runs_the_command_with_the_identity_and_passes_its_status_and_signals() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let aws = venv().join("bin/aws");

    // awscli run by exec sees the role; the MFA code is aws-as's flag, before `--`.
    let out = home.run(
        &moto.url(),
        &[
            "exec",
            "dev",
            "--mfa-code",
            "123456",
            "--",
            aws.to_str().unwrap(),
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ],
    );
    assert!(ok(&out).contains(":assumed-role/dev/"), "{}", stdout(&out));

    // The identity's variables, AWS_PROFILE gone, and the command's own exit status.
    let mut cmd = home.cmd(&moto.url());
    cmd.env("AWS_PROFILE", "someone-else").args([
        "exec",
        "ops",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_AS_IDENTITY ${AWS_PROFILE-unset} ${AWS_SESSION_TOKEN:+token} $AWS_REGION\"; exit 7",
    ]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ops unset token eu-west-1\n");

    // With no command, $SHELL runs.
    let script = home.path().join("myshell");
    std::fs::write(&script, "#!/bin/sh\necho \"shell as $AWS_AS_IDENTITY\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = home.cmd(&moto.url());
    cmd.env("SHELL", &script).args(["exec", "dev"]);
    assert_eq!(ok(&run(cmd)), "shell as dev\n");

    // The command replaces aws-as: same pid, credentials in its environment and never in its
    // arguments, and a signal sent to that pid ends the command itself.
    let mut cmd = home.cmd(&moto.url());
    cmd.args(["exec", "dev", "--", "sleep", "30"])
        .stdout(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let proc_dir = format!("/proc/{}", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let cmdline = loop {
        let c = std::fs::read(format!("{proc_dir}/cmdline")).unwrap_or_default();
        if c.starts_with(b"sleep\0") || Instant::now() > deadline {
            break c;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(cmdline, b"sleep\x0030\x00");
    let environ = std::fs::read(format!("{proc_dir}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    let token = environ
        .split('\0')
        .find_map(|kv| kv.strip_prefix("AWS_SESSION_TOKEN="))
        .expect("the token is in the environment")
        .to_string();
    assert!(!String::from_utf8_lossy(&cmdline).contains(&token));
    assert_eq!(unsafe_kill(child.id(), 15), 0);
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15)
    );

    // A command that does not exist: the shells' 127 and one line.
    let out = home.run(&moto.url(), &["exec", "dev", "--", "no-such-command-x"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("aws-as: could not run `no-such-command-x`"),
        "{}",
        stderr(&out)
    );
}

fn unsafe_kill(pid: u32, sig: i32) -> i32 {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .map(|s| s.code().unwrap_or(1))
        .unwrap_or(1)
}

#[test]
fn status_reports_and_verifies_the_identity_in_text_and_json() {
    let Some(moto) = Moto::start() else { return };
    if !require("bash") {
        return;
    }
    let home = Home::standard();
    json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));

    // No identity.
    let out = home.run(&moto.url(), &["status", "--json"]);
    assert_eq!(ok(&out), "{\"identity\":null}\n");

    // In a process started by exec, the environment holds the identity's credentials.
    moto.reset();
    let out = home.run(
        &moto.url(),
        &[
            "exec",
            "dev",
            "--",
            bin().to_str().unwrap(),
            "status",
            "--json",
            "--verify",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["identity"], "dev");
    assert!(
        v["arn"].as_str().unwrap().contains(":assumed-role/dev/"),
        "{v}"
    );
    assert_eq!(v["account"], "123456789012");
    assert_eq!(v["verified"], true);
    assert_eq!(v["expired"], false);
    let left = v["seconds_left"].as_i64().unwrap();
    assert!(left > 600 && left <= 3600, "{v}");
    assert!(v["expiration"].as_str().unwrap().ends_with('Z'));
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].action, "GetCallerIdentity");

    // Through the shell function, whose binary sees the pre-activation variables: the cached
    // credentials of the identity are the ones verified. Without --verify, no call at all.
    moto.reset();
    let out = run(detached(
        &home,
        &moto,
        "bash",
        &[
            "--norc",
            "-c",
            "eval \"$(aws-as -s bash)\" && aws-as dev && aws-as status && aws-as status --verify",
        ],
    ));
    let text = ok(&out);
    assert!(text.contains("identity  dev\n"), "{text}");
    assert!(text.contains("account   123456789012\n"), "{text}");
    assert!(text.contains("(verified by STS)"), "{text}");
    assert_eq!(moto.count("GetCallerIdentity"), 1);
}

fn write_script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    format!("sh {}", path.display())
}

#[test]
fn credential_process_and_web_identity_bases_are_cached_and_chained() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new("", "");
    let dir = home.path();
    let expiry = chrono_like_in_an_hour();
    let temp = write_script(
        dir,
        "temp.sh",
        &format!(
            "echo run >> {}/temp.count\nprintf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS000000001\", \
             \"SecretAccessKey\": \"process/secret\", \"SessionToken\": \"process-token\", \"Expiration\": \"{expiry}\"}}'\n",
            dir.display()
        ),
    );
    let long_term = write_script(
        dir,
        "long.sh",
        "printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESSLONGTERM1\", \"SecretAccessKey\": \"process/long/term/secret\"}'\n",
    );
    std::fs::write(dir.join("token"), "eyJhbGciOi.eyJzdWIiOiJjaSJ9.c2ln").unwrap();
    let config = format!(
        "[profile proc]\ncredential_process = {temp}\n\n\
         [profile proc-role]\nrole_arn = arn:aws:iam::123456789012:role/from-proc\nsource_profile = proc\nregion = eu-west-1\n\n\
         [profile proclt]\ncredential_process = {long_term}\nmfa_serial = {MFA_SERIAL}\n\n\
         [profile selfloop]\ncredential_process = {b} export selfloop --format credential-process\n\n\
         [profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = {d}/token\nrole_session_name = ci-run\n\n\
         [profile ci-deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = ci\n",
        b = bin().display(),
        d = dir.display()
    );
    std::fs::write(dir.join(".aws/config"), config).unwrap();

    // A role on a credential_process base: the process once, AssumeRole signed with its keys.
    let out = home.run(&moto.url(), &["export", "proc-role", "--format", "json"]);
    let v = json(&out);
    assert!(
        v["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/from-proc/"),
        "{v}"
    );
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].action, "AssumeRole");
    assert_eq!(reqs[0].signing_key, "ASIAPROCESS000000001");
    assert!(
        stderr(&out).contains("[1/2] credential_process credentials for profile proc"),
        "{}",
        stderr(&out)
    );
    // Again: the cache answers; neither the process nor STS runs.
    moto.reset();
    json(&home.run(&moto.url(), &["export", "proc-role", "--format", "json"]));
    assert_eq!(moto.requests().len(), 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("temp.count")).unwrap(),
        "run\n"
    );

    // Long-term keys from a process: a session with MFA on them; the keys are never cached.
    moto.reset();
    let out = home.run(
        &moto.url(),
        &[
            "export",
            "proclt",
            "--format",
            "json",
            "--mfa-code",
            "123456",
        ],
    );
    json(&out);
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].action, "GetSessionToken");
    assert_eq!(reqs[0].signing_key, "AKIAPROCESSLONGTERM1");
    assert_eq!(reqs[0].params["SerialNumber"], MFA_SERIAL);
    assert!(files_containing(&home.cache_dir(), "process/long/term/secret").is_empty());

    // A credential_process that runs aws-as for its own profile ends at once, with a reason.
    let mut cmd = Command::new("timeout");
    cmd.args([
        "60",
        bin().to_str().unwrap(),
        "export",
        "selfloop",
        "--format",
        "json",
    ]);
    home.clean_env(&mut cmd, &moto.url());
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs itself"), "{}", stderr(&out));

    // Web identity: AssumeRoleWithWebIdentity with the file's token, then the role on top.
    moto.reset();
    let out = home.run(&moto.url(), &["export", "ci-deploy", "--format", "json"]);
    let v = json(&out);
    assert!(
        v["Arn"].as_str().unwrap().contains(":assumed-role/deploy/"),
        "{v}"
    );
    let reqs = moto.requests();
    let actions: Vec<&str> = reqs.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["AssumeRoleWithWebIdentity", "AssumeRole"],
        "{reqs:?}"
    );
    assert_eq!(
        reqs[0].params["WebIdentityToken"],
        "eyJhbGciOi.eyJzdWIiOiJjaSJ9.c2ln"
    );
    assert_eq!(
        reqs[0].params["RoleArn"],
        "arn:aws:iam::123456789012:role/ci"
    );
    assert_eq!(reqs[0].params["RoleSessionName"], "ci-run");
    assert!(!reqs[1].signing_key.is_empty());

    // list names each kind.
    let out = home.run(&moto.url(), &["list"]);
    let text = ok(&out);
    let kind = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(2))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(kind("proc"), "process", "{text}");
    assert_eq!(kind("ci"), "web-identity", "{text}");
    assert_eq!(kind("ci-deploy"), "role", "{text}");
}

/// An ISO 8601 UTC time an hour from now, as credential_process prints it.
fn chrono_like_in_an_hour() -> String {
    let out = Command::new("date")
        .args(["-u", "-d", "+1 hour", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The SSO portal's GetRoleCredentials, which moto does not serve: a loopback server answers
/// with the portal's JSON and records what it was asked.
#[test]
fn an_sso_base_uses_the_cached_sso_token_and_roles_chain_on_it() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new("", "");
    let dir = home.path();
    let config = "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = eu-west-1\n\n\
                  [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
                  [profile corp-dev]\nrole_arn = arn:aws:iam::111122223333:role/corp-dev\nsource_profile = corp\n";
    std::fs::write(dir.join(".aws/config"), config).unwrap();
    // The token `aws sso login` caches, under the SHA-1 of the session name.
    let out = Command::new("sh")
        .args(["-c", "printf %s corp | sha1sum"])
        .output()
        .unwrap();
    let sha = String::from_utf8(out.stdout).unwrap();
    let sha = sha.split_whitespace().next().unwrap().to_string();
    let token_dir = dir.join(".aws/sso/cache");
    std::fs::create_dir_all(&token_dir).unwrap();
    let write_token = |expires: &str| {
        std::fs::write(
            token_dir.join(format!("{sha}.json")),
            format!(
                "{{\"accessToken\": \"sso-access-token-1\", \"expiresAt\": \"{expires}\", \
                 \"region\": \"eu-west-1\", \"startUrl\": \"https://corp.awsapps.com/start\"}}"
            ),
        )
        .unwrap();
    };
    write_token("2099-01-01T00:00:00Z");
    let expiration_ms = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600)
        * 1000;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let portal = servers::serve(8, move |req| {
        log.lock().unwrap().push(req.to_string());
        (
            "200 OK",
            format!(
                "{{\"roleCredentials\": {{\"accessKeyId\": \"ASIASSOPORTAL0000001\", \
                 \"secretAccessKey\": \"sso/secret\", \"sessionToken\": \"sso-session-token\", \
                 \"expiration\": {expiration_ms}}}}}"
            ),
        )
    });
    let export = |name: &str| {
        let mut cmd = Command::new("setsid");
        cmd.args([
            "-w",
            bin().to_str().unwrap(),
            "export",
            name,
            "--format",
            "json",
        ]);
        home.clean_env(&mut cmd, &moto.url());
        cmd.env("AWS_ENDPOINT_URL_SSO", &portal)
            .stdin(Stdio::null());
        run(cmd)
    };

    let out = export("corp-dev");
    let v = json(&out);
    assert!(
        v["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/corp-dev/"),
        "{v}"
    );
    let asked = seen.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    let head = asked[0].to_ascii_lowercase();
    assert!(head.starts_with("get /federation/credentials?"), "{head}");
    assert!(
        head.contains("account_id=111122223333") && head.contains("role_name=admin"),
        "{head}"
    );
    assert!(
        head.contains("x-amz-sso_bearer_token: sso-access-token-1"),
        "{head}"
    );
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].action, "AssumeRole");
    assert_eq!(reqs[0].signing_key, "ASIASSOPORTAL0000001");

    // The SSO credentials are cached: another switch asks neither the portal nor STS.
    moto.reset();
    let v = json(&export("corp"));
    assert_eq!(v["AccessKeyId"], "ASIASSOPORTAL0000001");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(moto.requests().len(), 0);

    // SSO credentials are role credentials: the console accepts them, so login signs in with them.
    let signin_seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let signin_log = signin_seen.clone();
    let signin = servers::serve(2, move |req| {
        signin_log.lock().unwrap().push(req.to_string());
        (
            "200 OK",
            "{\"SigninToken\": \"signin-token-1\"}".to_string(),
        )
    });
    let settings = dir.join("aws-as.toml");
    std::fs::write(&settings, format!("signin_url = \"{signin}/federation\"\n")).unwrap();
    let mut cmd = Command::new("setsid");
    cmd.args(["-w", bin().to_str().unwrap(), "login", "corp"]);
    home.clean_env(&mut cmd, &moto.url());
    cmd.env("AWS_ENDPOINT_URL_SSO", &portal)
        .env("AWS_AS_CONFIG", &settings)
        .stdin(Stdio::null());
    let url = ok(&run(cmd));
    assert!(
        url.starts_with(&format!("{signin}/federation?Action=login&")),
        "{url}"
    );
    assert!(
        url.trim_end().ends_with("SigninToken=signin-token-1"),
        "{url}"
    );
    let asked = signin_seen.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains("ASIASSOPORTAL0000001"), "{}", asked[0]);

    // An expired SSO login: one line that says how to log in again.
    write_token("2020-01-01T00:00:00Z");
    let out = Command::new("setsid")
        .args(["-w", bin().to_str().unwrap(), "export", "corp", "--refresh"])
        .env_clear()
        .env("HOME", dir)
        .env("PATH", path_with_bin())
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_ENDPOINT_URL_SSO", &portal)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_clean_failure(&out, "aws sso login --profile corp");
}

/// The code block that follows `<!-- snippet: NAME -->` in the README.
fn readme_snippet(name: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let marker = format!("<!-- snippet: {name} -->\n");
    let rest = &readme[readme.find(&marker).expect("snippet marker") + marker.len()..];
    let body = &rest[rest.find('\n').unwrap() + 1..];
    body[..body.find("\n```").unwrap() + 1].to_string()
}

/// The README's starship module and powerlevel10k segment, run as those tools run them.
#[test]
fn readme_prompt_snippets_show_the_identity_and_its_time_left() {
    if !require("zsh") {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let in_half_an_hour = (now + 30 * 60 + 30).to_string();
    let an_hour_ago = (now - 3600).to_string();
    let sh = |script: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };

    // starship runs `when`, then `command`, with its `shell`.
    let doc: toml::Value = toml::from_str(&readme_snippet("starship")).unwrap();
    let module = &doc["custom"]["aws_as"];
    assert_eq!(module["shell"].as_array().unwrap()[0].as_str(), Some("sh"));
    let when = module["when"].as_str().unwrap();
    let command = module["command"].as_str().unwrap();
    let active = [
        ("AWS_AS_IDENTITY", "dev"),
        ("AWS_AS_EXPIRATION", in_half_an_hour.as_str()),
    ];
    assert!(sh(when, &active).status.success());
    assert!(!sh(when, &[]).status.success(), "hidden with no identity");
    assert_eq!(stdout(&sh(command, &active)), "dev 30m\n");
    let expired = [
        ("AWS_AS_IDENTITY", "dev"),
        ("AWS_AS_EXPIRATION", an_hour_ago.as_str()),
    ];
    assert_eq!(stdout(&sh(command, &expired)), "dev expired\n");

    // powerlevel10k calls prompt_aws_as, which calls `p10k segment`; here p10k prints its words.
    let script = format!(
        "p10k() {{ print -r -- \"$*\" }}\n{}\nprompt_aws_as\n",
        readme_snippet("p10k")
    );
    let zsh = |env: &[(&str, &str)]| {
        let mut cmd = Command::new("zsh");
        cmd.args(["-f", "-c", &script]).env_clear();
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = zsh(&active);
    assert_eq!(
        stdout(&out),
        "segment -f 208 -t dev 30m\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&zsh(&expired)), "segment -f 196 -t dev expired\n");
    let none = zsh(&[]);
    assert!(
        none.stdout.is_empty() && none.stderr.is_empty(),
        "no segment without an identity"
    );
}
