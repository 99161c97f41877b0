//! What a switch, `aws-as region` and `aws-as -` do to `AWS_REGION` and `AWS_DEFAULT_REGION`
//! (CONTRACT section 9). Each variable becomes, first to last: the region the user asked for
//! (`--region`, `aws-as region R`); the value the user gave it by hand in this shell while an
//! identity was active, which every later switch keeps; the identity's own region; the value
//! from before activation.
//!
//! A value set by hand is told from aws-as's own as aws-sso-cli does, by remembering what aws-as
//! wrote: `AWS_AS_REGION_SET` holds one word per variable, `=REGION` (aws-as set it), `~` (aws-as
//! put back the pre-activation value) or `!` (the user's, kept). The shell function passes the
//! variables as they are now (`_AWS_AS_NOW_*`), since the binary runs with them put back.

use super::{Stmt, Var};
use crate::env::{Env, EnvVars};

/// What aws-as wrote to one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Written {
    Set(String),
    Restored,
    Hand,
}

impl Written {
    fn word(&self) -> String {
        match self {
            Written::Set(r) => format!("={r}"),
            Written::Restored => "~".into(),
            Written::Hand => "!".into(),
        }
    }

    fn parse(word: &str) -> Option<Written> {
        match word {
            "~" => Some(Written::Restored),
            "!" => Some(Written::Hand),
            _ => {
                let r = word.strip_prefix('=')?;
                crate::config::chain::valid_region(r).then(|| Written::Set(r.to_string()))
            }
        }
    }
}

/// The two variables, each with the snapshot names of its value now and before activation.
const VARS: [(Var, &str, &str); 2] = [
    (Var::Region, EnvVars::NOW_REGION, EnvVars::AWS_REGION),
    (
        Var::DefaultRegion,
        EnvVars::NOW_DEFAULT_REGION,
        EnvVars::AWS_DEFAULT_REGION,
    ),
];

/// The statements for the region variables and aws-as's record of them, and the region the
/// identity ends up with (AWS_REGION first, as the SDKs read them). `asked` is `--region` or
/// `aws-as region R`; `own` the identity's own region; `forget` drops what the user set by hand
/// (`aws-as region`). Run by the shell function, `env` has the variables as they were before
/// activation, and as they are now in `_AWS_AS_NOW_*`.
pub fn plan(
    env: &Env,
    asked: Option<&str>,
    own: Option<&str>,
    forget: bool,
) -> (Vec<Stmt>, Option<String>) {
    let written: Vec<Option<Written>> = match env.get(EnvVars::AWS_AS_REGION_SET) {
        // Only while an identity is active does a change count as the user's.
        Some(set) if env.identity().is_some() && !forget => {
            let words: Vec<Option<Written>> = set.split(' ').map(Written::parse).collect();
            if words.len() == 2 {
                words
            } else {
                vec![None, None]
            }
        }
        _ => vec![None, None],
    };
    let mut stmts = Vec::new();
    let mut record = Vec::new();
    let mut finals: Vec<Option<String>> = Vec::new();
    for ((var, now_name, before_name), written) in VARS.iter().zip(written) {
        let now = env
            .get(now_name)
            .and_then(|v| v.strip_prefix('='))
            .filter(|v| !v.is_empty());
        let before = env.get(before_name);
        let by_hand = match written {
            Some(Written::Hand) => true,
            Some(Written::Set(r)) => now != Some(r.as_str()),
            Some(Written::Restored) => now != before,
            None => false,
        };
        let (what, value) = match (asked, by_hand, own) {
            (Some(r), ..) => (Written::Set(r.to_string()), Some(r.to_string())),
            // Left as the user has it: no statement at all.
            (None, true, _) => (Written::Hand, now.map(str::to_owned)),
            (None, false, Some(r)) => (Written::Set(r.to_string()), Some(r.to_string())),
            (None, false, None) => (Written::Restored, before.map(str::to_owned)),
        };
        match &what {
            Written::Set(r) => stmts.push(Stmt::Set(*var, r.clone())),
            Written::Restored => stmts.push(Stmt::Restore(*var)),
            Written::Hand => {}
        }
        record.push(what.word());
        finals.push(value);
    }
    stmts.push(Stmt::Set(Var::AsRegionSet, record.join(" ")));
    let region = finals[0].clone().or_else(|| finals[1].clone());
    stmts.push(match &region {
        Some(r) => Stmt::Set(Var::AsRegion, r.clone()),
        None => Stmt::Unset(Var::AsRegion),
    });
    (stmts, region)
}

/// The statements of `aws-as -`: the region variables as before activation, and no record.
pub fn clear() -> Vec<Stmt> {
    vec![
        Stmt::Restore(Var::Region),
        Stmt::Restore(Var::DefaultRegion),
        Stmt::Unset(Var::AsRegion),
        Stmt::Unset(Var::AsRegionSet),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&'static str, &str)]) -> Env {
        Env::with(pairs)
    }

    fn sets(stmts: &[Stmt]) -> Vec<String> {
        stmts
            .iter()
            .map(|s| match s {
                Stmt::Set(v, x) => format!("{}={x}", v.name()),
                Stmt::Restore(v) => format!("restore {}", v.name()),
                Stmt::Unset(v) => format!("unset {}", v.name()),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn first_switch_takes_the_profiles_region_or_puts_back_the_old_one() {
        let e = env(&[(EnvVars::AWS_REGION, "us-east-1")]);
        let (s, r) = plan(&e, None, Some("eu-west-1"), false);
        assert_eq!(
            sets(&s),
            [
                "AWS_REGION=eu-west-1",
                "AWS_DEFAULT_REGION=eu-west-1",
                "AWS_AS_REGION_SET==eu-west-1 =eu-west-1",
                "AWS_AS_REGION=eu-west-1"
            ]
        );
        assert_eq!(r.as_deref(), Some("eu-west-1"));
        let (s, r) = plan(&e, None, None, false);
        assert_eq!(
            sets(&s),
            [
                "restore AWS_REGION",
                "restore AWS_DEFAULT_REGION",
                "AWS_AS_REGION_SET=~ ~",
                "AWS_AS_REGION=us-east-1"
            ]
        );
        assert_eq!(r.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn a_hand_set_region_survives_switches_until_asked() {
        // dev set eu-west-1; the user then typed `export AWS_REGION=ap-south-1`.
        let e = env(&[
            (EnvVars::AWS_AS_IDENTITY, "dev"),
            (EnvVars::AWS_AS_REGION_SET, "=eu-west-1 =eu-west-1"),
            (EnvVars::NOW_REGION, "=ap-south-1"),
            (EnvVars::NOW_DEFAULT_REGION, "=eu-west-1"),
        ]);
        let (s, r) = plan(&e, None, Some("us-west-2"), false);
        assert_eq!(
            sets(&s),
            [
                "AWS_DEFAULT_REGION=us-west-2",
                "AWS_AS_REGION_SET=! =us-west-2",
                "AWS_AS_REGION=ap-south-1"
            ]
        );
        assert_eq!(r.as_deref(), Some("ap-south-1"));
        // The next switch keeps it too, though it now equals nothing aws-as wrote.
        let e = env(&[
            (EnvVars::AWS_AS_IDENTITY, "prod"),
            (EnvVars::AWS_AS_REGION_SET, "! =us-west-2"),
            (EnvVars::NOW_REGION, "=ap-south-1"),
            (EnvVars::NOW_DEFAULT_REGION, "=us-west-2"),
        ]);
        let (s, _) = plan(&e, None, None, false);
        assert_eq!(sets(&s)[0], "restore AWS_DEFAULT_REGION");
        assert_eq!(sets(&s)[1], "AWS_AS_REGION_SET=! ~");
        // Asked for a region: it wins, and the hand-set one is forgotten.
        let (s, _) = plan(&e, Some("sa-east-1"), None, true);
        assert_eq!(sets(&s)[2], "AWS_AS_REGION_SET==sa-east-1 =sa-east-1");
        // Unset by hand: kept unset.
        let e = env(&[
            (EnvVars::AWS_AS_IDENTITY, "dev"),
            (EnvVars::AWS_AS_REGION_SET, "=eu-west-1 =eu-west-1"),
            (EnvVars::NOW_DEFAULT_REGION, "=eu-west-1"),
        ]);
        let (s, r) = plan(&e, None, Some("us-west-2"), false);
        assert_eq!(sets(&s)[0], "AWS_DEFAULT_REGION=us-west-2");
        assert_eq!(sets(&s)[1], "AWS_AS_REGION_SET=! =us-west-2");
        assert_eq!(r.as_deref(), Some("us-west-2"));
    }

    #[test]
    fn no_identity_or_no_record_means_no_hand_set_region() {
        for e in [
            env(&[
                (EnvVars::AWS_AS_REGION_SET, "=eu-west-1 =eu-west-1"),
                (EnvVars::NOW_REGION, "=ap-south-1"),
            ]),
            env(&[
                (EnvVars::AWS_AS_IDENTITY, "dev"),
                (EnvVars::AWS_AS_REGION_SET, "=x;y =eu-west-1 z"),
                (EnvVars::NOW_REGION, "=ap-south-1"),
            ]),
        ] {
            let (s, _) = plan(&e, None, Some("eu-west-1"), false);
            assert_eq!(sets(&s)[0], "AWS_REGION=eu-west-1");
        }
    }
}
