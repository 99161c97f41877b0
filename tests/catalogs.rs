//! Catalogues read from AWS with `via`'s credentials, against moto's real DynamoDB and
//! Organizations: letme's table (scanned page by page) and an Organization's ACTIVE accounts
//! (listed page by page). The read shares `via`'s MFA session with the switches after it, and a
//! failed read keeps the previous copy.

use crate::support::*;
use std::path::PathBuf;
use std::process::Command;

/// Run a boto3 script against moto as an administrator; `moto_url` is in the environment as
/// `URL`. It must succeed.
fn boto(moto: &Moto, script: &str) {
    let setup = format!(
        "import boto3, os, json\n\
         kw = dict(endpoint_url=os.environ['URL'], region_name='eu-west-1',\n\
                   aws_access_key_id='AKIAADMIN0000000001', aws_secret_access_key='x')\n\
         {script}"
    );
    let out = Command::new(venv().join("bin/python"))
        .args(["-c", &setup])
        .env("URL", moto.url())
        .output()
        .expect("run the venv's python");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// letme's table: 300 items of 4 KB (more than one 1 MB scan page), one of them chaining three
/// roles, and hostile ones: a name made to inject, a bad ARN, a duplicate name, credentials, a
/// region that is shell code, and a role of the wrong type.
const LETME: &str = r#"
d = boto3.client('dynamodb', **kw)
d.create_table(TableName='letme-accounts',
    AttributeDefinitions=[{'AttributeName': 'name', 'AttributeType': 'S'}],
    KeySchema=[{'AttributeName': 'name', 'KeyType': 'HASH'}], BillingMode='PAY_PER_REQUEST')
def put(item): d.put_item(TableName='letme-accounts', Item=item)
S = lambda v: {'S': v}
L = lambda *v: {'L': [S(x) for x in v]}
for i in range(300):
    put({'name': S('acct-%03d' % i), 'id': {'N': '4%011d' % i}, 'description': S('x' * 4000),
         'region': L('eu-west-1'), 'role': L('arn:aws:iam::4%011d:role/letme' % i)})
put({'name': S('three'), 'id': S('111111111111'), 'region': L('eu-central-1', 'us-east-1'),
     'role': L('arn:aws:iam::111111111111:role/hop1', 'arn:aws:iam::222222222222:role/hop2',
               'arn:aws:iam::333333333333:role/target')})
put({'name': S('x$(touch /tmp/aws-as-pwned)'), 'role': L('arn:aws:iam::111111111111:role/a')})
put({'name': S('badarn'), 'role': L('arn:aws:iam::1:role/a')})
put({'name': S('creds'), 'role': L('arn:aws:iam::111111111111:role/a'),
     'aws_secret_access_key': S('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')})
put({'name': S('badregion'), 'region': L("eu-west-1'; reboot; '"), 'role': L('arn:aws:iam::111111111111:role/a')})
put({'name': S('maprole'), 'role': {'M': {'arn': S('arn:aws:iam::111111111111:role/a')}}})
"#;

fn letme_home() -> Home {
    let home = Home::standard();
    home.settings(
        "[catalog.acme]\nsource = \"dynamodb\"\ntable = \"letme-accounts\"\nregion = \"eu-west-1\"\nvia = \"user\"\n",
    );
    home
}

fn copy(home: &Home, name: &str) -> PathBuf {
    home.path()
        .join(format!(".local/share/aws-as/catalogs/{name}.db"))
}

#[test]
fn letme_table_is_scanned_page_by_page_with_vias_session() {
    let Some(moto) = Moto::start() else { return };
    boto(&moto, LETME);
    let home = letme_home();
    moto.reset();
    let out = home.run(&moto.url(), &["catalog", "sync", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "acme: 301 identities (+301 -0)\n");
    let err = stderr(&out);
    for needle in [
        "is not a valid identity name",
        "`badarn` has a role that is not an IAM role ARN",
        "`creds` carries aws_secret_access_key",
        "`badregion` has a region that is not a region name",
        "`maprole`: `role` is not a string or a list",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!err.contains("wJalrXUtnFEMI"), "{err}");
    // One MFA session, then the scan signed with it, in more than one page.
    let calls = moto.requests();
    assert_eq!(calls[0].action, "GetSessionToken", "{calls:?}");
    assert_eq!(calls[0].params["TokenCode"], "123456");
    let scans: Vec<&Recorded> = calls.iter().filter(|r| r.action == "Scan").collect();
    assert!(scans.len() >= 2, "one page: {calls:?}");
    assert_eq!(calls.len(), 1 + scans.len(), "{calls:?}");
    for scan in &scans {
        assert_eq!(scan.signing_key, MOTO_SESSION_KEY);
        assert_eq!(scan.service, "dynamodb");
        assert_eq!(scan.region, "eu-west-1");
    }
    assert!(
        scans[1].body.contains("ExclusiveStartKey"),
        "{}",
        scans[1].body
    );

    // The three-role entry: the sync's MFA session serves it, then the hops in order, each
    // signed with the key the one before it returned. A second switch makes no request.
    moto.reset();
    let out = home.run(&moto.url(), &["__hook", "bash", "--", "three"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_REGION='eu-central-1'\n"));
    let calls = moto.requests();
    let roles: Vec<&str> = calls.iter().map(|r| r.params["RoleArn"].as_str()).collect();
    assert_eq!(
        roles,
        [
            "arn:aws:iam::111111111111:role/hop1",
            "arn:aws:iam::222222222222:role/hop2",
            "arn:aws:iam::333333333333:role/target"
        ]
    );
    assert_eq!(calls[0].signing_key, MOTO_SESSION_KEY);
    assert_ne!(calls[1].signing_key, calls[0].signing_key);
    assert_ne!(calls[2].signing_key, calls[1].signing_key);
    moto.reset();
    let out = home.run(&moto.url(), &["__hook", "bash", "--", "three"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(moto.requests().is_empty());
    assert!(!std::path::Path::new("/tmp/aws-as-pwned").exists());
}

#[test]
fn a_failed_read_keeps_the_previous_copy() {
    let Some(moto) = Moto::start() else { return };
    boto(&moto, LETME);
    let home = letme_home();
    let out = home.run(&moto.url(), &["catalog", "sync", "--mfa-code", "123456"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(copy(&home, "acme")).unwrap();
    // A table that isn't there, then a source that doesn't answer.
    home.settings(
        "[catalog.acme]\nsource = \"dynamodb\"\ntable = \"nope\"\nregion = \"eu-west-1\"\nvia = \"user\"\n",
    );
    let out = home.run(&moto.url(), &["catalog", "sync"]);
    assert_clean_failure(&out, "ResourceNotFoundException");
    assert!(stderr(&out).contains("acme: "), "{}", stderr(&out));
    assert_eq!(std::fs::read(copy(&home, "acme")).unwrap(), before);
    let out = home.run_env(
        &moto.url(),
        &["catalog", "sync"],
        &[("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")],
    );
    assert_clean_failure(&out, "could not reach DynamoDB");
    assert_eq!(std::fs::read(copy(&home, "acme")).unwrap(), before);
    // The copy still serves a switch.
    let out = home.run(&moto.url(), &["export", "acct-007"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn organization_accounts_are_listed_and_each_assumes_the_access_role() {
    let Some(moto) = Moto::start() else { return };
    boto(
        &moto,
        r#"
o = boto3.client('organizations', **kw)
o.create_organization(FeatureSet='ALL')
ids = {}
for i in range(120):
    a = o.create_account(Email='a%d@example.com' % i, AccountName='team %03d' % i)
    ids[i] = a['CreateAccountStatus']['AccountId']
o.close_account(AccountId=ids[5])
print(json.dumps(ids))
"#,
    );
    let home = Home::standard();
    home.settings(
        "[catalog.org]\nsource = \"organizations\"\nvia = \"user\"\nname = \"org-{account_name}\"\n",
    );
    moto.reset();
    let out = home.run(
        &moto.url(),
        &["catalog", "sync", "org", "--mfa-code", "123456"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // 120 accounts and the management account, less the closed one.
    assert_eq!(stdout(&out), "org: 120 identities (+120 -0)\n");
    let lists = moto.count("ListAccounts");
    assert!(lists >= 2, "{:?}", moto.requests());
    let listed = stdout(&home.run(&moto.url(), &["list", "org-team"]));
    assert!(
        listed.contains("org-team-000 ") && listed.contains(" org "),
        "{listed}"
    );
    assert!(
        !listed.contains("org-team-005 "),
        "a closed account is listed: {listed}"
    );
    assert_eq!(listed.lines().count(), 1 + 119, "{listed}");

    moto.reset();
    let out = home.run(&moto.url(), &["export", "org-team-042", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = moto.requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let arn = &calls[0].params["RoleArn"];
    assert!(
        arn.starts_with("arn:aws:iam::") && arn.ends_with(":role/OrganizationAccountAccessRole"),
        "{arn}"
    );
    let account = arn.split(':').nth(4).unwrap();
    assert!(
        listed.lines().any(|l| l.contains("org-team-042")),
        "{listed}"
    );
    assert_eq!(account.len(), 12);
}
