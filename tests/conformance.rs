//! Cases from the AWS SDK teams' conformance data (see the conformance set's README), restated as
//! aws-as tests: the case's files and environment, and what the SDK sends and returns. Each test
//! names its case by its path in the set. aws-as's documented differences (ambient credentials are
//! never a source; a session on long-term keys, MFA discovery) are allowed for and said where.

use crate::support::tls::tls_server;
use crate::support::*;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const REGION_OVERRIDE_CONFIG: &str = "[default]
# this region is overriden by the environment variable
region = us-east-1
role_arn = arn:aws:iam::123456789:role/integration-test
source_profile = base

[profile base]
region = us-east-1
";

const REGION_OVERRIDE_CREDENTIALS: &str = "[base]
aws_access_key_id = AKIAFAKE
aws_secret_access_key = FAKE
";

/// Calls aws-as makes that the SDK case does not: MFA discovery for keys with no mfa_serial
/// (GetCallerIdentity, then IAM's ListMFADevices) and a session on long-term keys.
const ASIDE_FROM_THE_CASE: [&str; 3] = ["GetCallerIdentity", "ListMFADevices", "GetSessionToken"];

/// `aws-as export default` on the case's files in a fresh HOME, with `env`: the export and what
/// moto was sent.
fn region_override_export(moto: &Moto, env: &[(&str, &str)]) -> (serde_json::Value, Vec<Recorded>) {
    moto.reset();
    let home = Home::new(REGION_OVERRIDE_CONFIG, REGION_OVERRIDE_CREDENTIALS);
    let out = home.run_env(&moto.url(), &["export", "default", "--format", "json"], env);
    (json(&out), moto.requests())
}

/// Every STS call was signed for `region`, and the last one is the case's AssumeRole.
fn assert_sts_calls_in(requests: &[Recorded], region: &str) {
    let seen: Vec<(&str, &str, &str)> = requests
        .iter()
        .map(|r| (r.service.as_str(), r.action.as_str(), r.region.as_str()))
        .collect();
    let assume: Vec<&Recorded> = requests
        .iter()
        .filter(|r| r.action == "AssumeRole")
        .collect();
    assert_eq!(assume.len(), 1, "{seen:?}");
    assert_eq!(requests.last().unwrap().action, "AssumeRole", "{seen:?}");
    assert_eq!(
        assume[0].params["RoleArn"], "arn:aws:iam::123456789:role/integration-test",
        "{seen:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.action == "AssumeRole" || ASIDE_FROM_THE_CASE.contains(&r.action.as_str())),
        "{seen:?}"
    );
    let sts: Vec<&Recorded> = requests.iter().filter(|r| r.service == "sts").collect();
    assert!(!sts.is_empty(), "{seen:?}");
    assert!(sts.iter().all(|r| r.region == region), "{seen:?}");
}

// smithy-rs/aws/rust-runtime/aws-config/test-data/profile-provider/region_override
//
// With AWS_REGION=us-east-2 in the environment and `region = us-east-1` on both profiles, the SDK
// sends the AssumeRole of arn:aws:iam::123456789:role/integration-test, made with base's keys
// (AKIAFAKE), to https://sts.us-east-2.amazonaws.com/: the region chain reads AWS_REGION (then
// AWS_DEFAULT_REGION) before the profile. moto is reached through AWS_ENDPOINT_URL, so the host
// name can't show the region here; the SigV4 scope, which the SDK derives from the same region,
// does. (The case's recorded request carries a us-east-1 scope beside its us-east-2 host: it was
// recorded by an early SDK and replayed without checking the signature.)
#[test]
fn region_override_the_environments_region_comes_before_the_profiles() {
    let Some(moto) = Moto::start() else { return };

    let (v, requests) = region_override_export(&moto, &[("AWS_REGION", "us-east-2")]);
    assert_sts_calls_in(&requests, "us-east-2");
    let assume = requests.last().unwrap();
    assert_eq!(assume.signing_key, "AKIAFAKE", "base's keys sign it");
    assert!(
        v["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/integration-test/"),
        "{v}"
    );
    assert!(
        v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{v}"
    );
    // What is exported is another matter (CONTRACT 9): the profile's region.
    assert_eq!(v["Region"], "us-east-1", "{v}");

    // The control: without AWS_REGION the profile's region picks the endpoint.
    let (_, requests) = region_override_export(&moto, &[]);
    assert_sts_calls_in(&requests, "us-east-1");
}

const FIPS_SSO_CONFIG: &str = "[profile sso-test]
sso_start_url = https://ssotest.awsapps.com/start
sso_region = us-east-2
sso_account_id = 123456789
sso_role_name = MySsoRole
region = us-east-2
";

const FIPS_PORTAL: &str = "portal.sso-fips.us-east-2.api.aws";
const PLAIN_PORTAL: &str = "portal.sso.us-east-2.amazonaws.com";

/// A HOME with the case's config and the SSO token cache that `aws sso login` leaves for its
/// start URL (the legacy form keys the file by the start URL's SHA-1).
fn fips_sso_home() -> Home {
    let home = Home::new(FIPS_SSO_CONFIG, "");
    let out = Command::new("sh")
        .args([
            "-c",
            "printf %s https://ssotest.awsapps.com/start | sha1sum",
        ])
        .output()
        .unwrap();
    let sha = String::from_utf8(out.stdout).unwrap();
    let sha = sha.split_whitespace().next().unwrap();
    // The case's file has this name: the start URL above is the case's, byte for byte.
    assert_eq!(sha, "dace00cba5f8355ec9d274ceb2bcebdfbeed0e12");
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(format!("{sha}.json")),
        "{\"accessToken\": \"a-token\", \"expiresAt\": \"2080-10-16T03:56:45Z\", \
         \"startUrl\": \"https://ssotest.awsapps.com/start\"}",
    )
    .unwrap();
    home
}

/// `aws-as export sso-test` in a mount namespace of its own where `hosts` is /etc/hosts, with the
/// case's environment plus `env`, and no AWS_ENDPOINT_URL: the SDK picks the portal's host.
fn fips_sso_export(home: &Home, hosts: &Path, ca: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("setsid");
    cmd.args(["-w", "unshare", "-m", "sh", "-c"])
        .arg("mount --bind \"$1\" /etc/hosts && exec \"$2\" export sso-test --format json")
        .arg("sh")
        .arg(hosts)
        .arg(bin());
    home.clean_env(&mut cmd, "");
    cmd.env_remove("AWS_ENDPOINT_URL")
        .env("SSL_CERT_FILE", ca)
        .env("AWS_REGION", "us-west-2")
        .env("AWS_PROFILE", "sso-test")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd.output().expect("run aws-as in a mount namespace")
}

/// The query of a request target, decoded, each key once.
fn query(target: &str) -> HashMap<String, String> {
    let q = target.split_once('?').expect("a query").1;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let map: HashMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(map.len(), pairs.len(), "a parameter twice in {target}");
    map
}

// smithy-rs/aws/rust-runtime/aws-config/test-data/default-credential-provider-chain/e2e_fips_and_dual_stack_sso
//
// With AWS_USE_FIPS_ENDPOINT=true and AWS_USE_DUALSTACK_ENDPOINT=true (and AWS_REGION=us-west-2,
// AWS_PROFILE=sso-test), the legacy SSO profile's GetRoleCredentials goes to
// https://portal.sso-fips.us-east-2.api.aws/federation/credentials?account_id=123456789&role_name=MySsoRole
// (sso_region, not AWS_REGION) with the cached token in x-amz-sso_bearer_token, and its
// roleCredentials are the credentials. The request really goes to that name: /etc/hosts, in a
// mount namespace of aws-as's own, maps it to 127.0.0.1, where a TLS server with a certificate for
// it, from a CA that SSL_CERT_FILE trusts, answers on port 443. The expiry is an hour from now
// instead of the case's 2009 date.
#[test]
fn e2e_fips_and_dual_stack_sso_goes_to_the_fips_dual_stack_portal() {
    let python = venv().join("bin/python");
    if !require("openssl") || !require("unshare") || !require(python.to_str().unwrap()) {
        return;
    }
    let namespaces = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount --bind /etc/hosts /etc/hosts"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !require_ability(
        "a mount namespace (unshare -m, mount --bind; root)",
        namespaces,
    ) {
        return;
    }
    let expiration = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let portal_answer = serde_json::json!({"roleCredentials": {
        "accessKeyId": "ASIARCORRECT",
        "secretAccessKey": "secretkeycorrect",
        "sessionToken": "tokencorrect",
        "expiration": expiration * 1000,
    }});
    let dir = tempfile::tempdir().unwrap();
    // Both portal names, for the control below.
    let server = tls_server(
        dir.path(),
        &format!("DNS:{FIPS_PORTAL},DNS:{PLAIN_PORTAL}"),
        443,
        &portal_answer.to_string(),
    );
    let hosts = dir.path().join("hosts");
    std::fs::write(
        &hosts,
        format!("127.0.0.1 localhost\n127.0.0.1 {FIPS_PORTAL}\n127.0.0.1 {PLAIN_PORTAL}\n"),
    )
    .unwrap();
    let fips = [
        ("AWS_USE_FIPS_ENDPOINT", "true"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
    ];

    let home = fips_sso_home();
    let out = fips_sso_export(&home, &hosts, &server.ca, &fips);
    let v = json(&out);
    assert_eq!(v["AccessKeyId"], "ASIARCORRECT", "{v}");
    assert_eq!(v["SecretAccessKey"], "secretkeycorrect", "{v}");
    assert_eq!(v["SessionToken"], "tokencorrect", "{v}");
    let date = Command::new("date")
        .args(["-u", "-d", &format!("@{expiration}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    assert_eq!(
        v["Expiration"],
        String::from_utf8(date.stdout).unwrap().trim(),
        "{v}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.headers["host"], FIPS_PORTAL, "{request:?}");
    let (path, _) = request.target.split_once('?').expect("a query");
    assert_eq!(path, "/federation/credentials", "{request:?}");
    let expected: HashMap<String, String> =
        [("account_id", "123456789"), ("role_name", "MySsoRole")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
    assert_eq!(query(&request.target), expected, "{request:?}");
    assert_eq!(request.headers["x-amz-sso_bearer_token"], "a-token");

    // The control: without the two variables the same call goes to the ordinary portal. (That
    // name is mapped too: here it would not resolve, and in CI it would reach AWS.)
    let home = fips_sso_home();
    let out = fips_sso_export(&home, &hosts, &server.ca, &[]);
    assert_eq!(json(&out)["AccessKeyId"], "ASIARCORRECT");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[1].headers["host"], PLAIN_PORTAL,
        "{:?}",
        requests[1]
    );
    assert_eq!(query(&requests[1].target), expected);
}

// smithy-rs/aws/rust-runtime/aws-config/test-data/profile-provider/assume_role_override_service_env_url
//
// AWS_ENDPOINT_URL_STS alone sends STS elsewhere (an STS VPC endpoint, say); nothing says where
// IAM is, and here IAM can't be reached. The SDK makes its AssumeRole there with base's keys. aws-as
// adds MFA discovery (IAM's ListMFADevices) for keys with no mfa_serial: when IAM can't be asked,
// the switch goes on without MFA, as the SDK's does, and remembers that it asked, for an hour, so
// that the next switch is served from the cache without touching the network.
#[test]
fn assume_role_override_service_env_url_works_without_iam() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(REGION_OVERRIDE_CONFIG, REGION_OVERRIDE_CREDENTIALS);
    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let env = [("AWS_ENDPOINT_URL_STS", moto.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = home.run_env(&closed, &["export", "default", "--format", "json"], &env);
    let v = json(&out);
    assert!(
        v["Arn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/integration-test/"),
        "{v}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("could not look up the MFA device of profile `base`")
            && err.contains("going on without MFA"),
        "{err}"
    );
    let requests = moto.requests();
    assert_eq!(requests.last().unwrap().action, "AssumeRole");
    assert_eq!(requests.last().unwrap().signing_key, "AKIAFAKE");

    moto.reset();
    let again = json(&home.run_env(&closed, &["export", "default", "--format", "json"], &env));
    assert_eq!(again["AccessKeyId"], v["AccessKeyId"]);
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());
}
