//! 50 processes asking for the same cold identity at once make one GetSessionToken, one
//! AssumeRole and one MFA prompt between them, and all get the same credentials.

use crate::support::*;
use std::process::Stdio;

#[test]
fn fifty_processes_one_set_of_sts_calls_and_one_code() {
    let Some(moto) = Moto::start() else { return };
    let counter = tempfile::NamedTempFile::new().unwrap();
    let config = CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        &format!(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = echo asked >> {}; echo 123456\n",
            counter.path().display()
        ),
    );
    let home = Home::new(&config, &credentials());
    let children: Vec<_> = (0..50)
        .map(|_| {
            let mut cmd = home.cmd(&moto.url());
            cmd.args(["export", "dev", "--format", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let v = json(&out);
        keys.insert(v["AccessKeyId"].as_str().unwrap().to_string());
    }
    assert_eq!(
        keys.len(),
        1,
        "every process got the same credentials: {keys:?}"
    );
    assert_eq!(moto.count("GetSessionToken"), 1);
    assert_eq!(moto.count("AssumeRole"), 1);
    let asked = std::fs::read_to_string(counter.path()).unwrap();
    assert_eq!(
        asked.lines().count(),
        1,
        "one MFA code was asked for, not {asked:?}"
    );
}
