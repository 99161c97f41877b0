//! The eight shells aws-as supports, and how a test says the same thing in each of them.

/// The three syntaxes the shells fall into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Sh,
    Fish,
    Csh,
}

#[derive(Debug, Clone, Copy)]
pub struct Shell {
    /// What the tests call it.
    pub name: &'static str,
    /// The program, as Debian installs it.
    pub program: &'static str,
    /// Arguments for an interactive shell that reads no rc file.
    pub interactive: &'static [&'static str],
    pub family: Family,
    /// The SHELL argument of `aws-as -s` and `__hook` for it.
    pub dialect: &'static str,
    /// Whether its prompt counts the time left down by itself.
    pub live: bool,
}

pub const SHELLS: [Shell; 8] = [
    Shell {
        name: "bash",
        program: "bash",
        interactive: &["--norc", "--noprofile", "-i"],
        family: Family::Sh,
        dialect: "bash",
        live: true,
    },
    Shell {
        name: "zsh",
        program: "zsh",
        interactive: &["-f", "-i"],
        family: Family::Sh,
        dialect: "zsh",
        live: true,
    },
    Shell {
        name: "dash",
        program: "dash",
        interactive: &["-i"],
        family: Family::Sh,
        dialect: "sh",
        live: false,
    },
    Shell {
        name: "ksh93",
        program: "ksh93",
        interactive: &["-i"],
        family: Family::Sh,
        dialect: "sh",
        live: true,
    },
    Shell {
        name: "mksh",
        program: "mksh",
        interactive: &["-i"],
        family: Family::Sh,
        dialect: "sh",
        live: true,
    },
    Shell {
        name: "fish",
        program: "fish",
        interactive: &["--no-config", "-i"],
        family: Family::Fish,
        dialect: "fish",
        live: false,
    },
    Shell {
        name: "tcsh",
        program: "tcsh",
        interactive: &["-f", "-i"],
        family: Family::Csh,
        dialect: "csh",
        live: false,
    },
    // Debian's `csh` is BSD csh; /usr/bin/csh may point at tcsh, so name it outright.
    Shell {
        name: "csh",
        program: "bsd-csh",
        interactive: &["-f", "-i"],
        family: Family::Csh,
        dialect: "csh",
        live: false,
    },
];

pub fn shell(name: &str) -> Shell {
    *SHELLS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no shell {name}"))
}

impl Shell {
    /// The activation line from the CONTRACT's table.
    pub fn activate(&self) -> &'static str {
        match self.family {
            Family::Sh => "eval \"$(aws-as -s)\"",
            Family::Fish => "aws-as -s fish | source",
            Family::Csh => "eval \"`aws-as -c`\"",
        }
    }

    /// The table's other form: unquoted for sh, the long form for fish, a sourced file for csh.
    pub fn activate_other(&self, dir: &std::path::Path) -> String {
        match self.family {
            Family::Sh => "eval $(aws-as -s)".to_string(),
            Family::Fish => "aws-as init fish | source".to_string(),
            Family::Csh => {
                let f = dir.join("aws-as.csh");
                format!("aws-as -c > {0}; source {0}", f.display())
            }
        }
    }

    /// Make the prompt `text` (plain characters only).
    pub fn set_prompt(&self, text: &str) -> String {
        match self.family {
            Family::Sh => format!("PS1='{text}'"),
            Family::Fish => format!("function fish_prompt; printf '%s' '{text}'; end"),
            Family::Csh => format!("set prompt = '{text}'"),
        }
    }

    /// Export `name=value` (plain characters only).
    pub fn export(&self, name: &str, value: &str) -> String {
        match self.family {
            Family::Sh => format!("export {name}='{value}'"),
            Family::Fish => format!("set -gx {name} '{value}'"),
            Family::Csh => format!("setenv {name} '{value}'"),
        }
    }

    /// The variable that holds the last command's exit status.
    pub fn status(&self) -> &'static str {
        match self.family {
            Family::Sh => "$?",
            Family::Fish | Family::Csh => "$status",
        }
    }

    /// Run `cmd` with `name=value` in the environment, then echo `rc=STATUS`, and put the
    /// variable back (`restore` is its value outside, None for unset). POSIX leaves unspecified
    /// whether `NAME=value function` outlives the function, so it is set and put back outright.
    pub fn with_env(&self, name: &str, value: &str, restore: Option<&str>, cmd: &str) -> String {
        match self.family {
            Family::Sh => {
                let back = match restore {
                    Some(v) => format!("export {name}={v}"),
                    None => format!("unset {name}"),
                };
                format!("export {name}={value}; {cmd}; echo rc=$?; {back}")
            }
            Family::Fish => format!("{name}={value} {cmd}; echo rc=$status"),
            Family::Csh => {
                let back = match restore {
                    Some(v) => format!("setenv {name} {v}"),
                    None => format!("unsetenv {name}"),
                };
                format!("setenv {name} {value}; {cmd}; echo rc=$status; {back}")
            }
        }
    }

    /// A line that writes the exact value of shell or environment variable `name` to `file`, and
    /// nothing when it is unset.
    pub fn var_line(&self, name: &str, file: &str) -> String {
        match self.family {
            Family::Sh => {
                format!("if [ -n \"${{{name}+x}}\" ]; then printf '%s' \"${name}\" > {file}; fi")
            }
            Family::Fish => {
                format!("if set -q {name}; printf '%s' ${name} > {file}; end")
            }
            // The one-line if would substitute $name even when it is unset; eval does not.
            // (and :q keeps a value with a line break one word).
            Family::Csh => format!("if ($?{name}) eval 'printf \"%s\" ${name}:q > {file}'"),
        }
    }

    /// A line that runs `line` with its stdout and stderr in `file`, in this shell itself (so that
    /// what it changes stays changed).
    pub fn output_line(&self, line: &str, file: &str) -> String {
        match self.family {
            Family::Sh => format!("{{ {line} ; }} > {file} 2>&1"),
            Family::Fish => format!("begin; {line}; end > {file} 2>&1"),
            Family::Csh => {
                assert!(!line.contains('\''), "csh test lines cannot hold ': {line}");
                format!("eval '{line}' >& {file}")
            }
        }
    }

    /// The name of the prompt the flow checks, and the value the test gives it.
    pub fn prompt_var(&self) -> &'static str {
        match self.family {
            Family::Sh => "PS1",
            Family::Fish => "fish_prompt",
            Family::Csh => "prompt",
        }
    }

    /// Lines whose output lists the shell's variables, functions and aliases (builtins only: BSD
    /// csh does not pipe a builtin's output when eval's output is redirected).
    pub fn inventory(&self) -> &'static [&'static str] {
        match self.family {
            Family::Sh => &["set", "alias"],
            Family::Fish => &["set -n", "functions -a -n"],
            Family::Csh => &["set", "alias"],
        }
    }

    /// A line that prints what `aws-as` runs after deactivation: the path of the binary.
    pub fn which_aws_as(&self) -> &'static str {
        match self.family {
            Family::Sh | Family::Fish => "command -v aws-as",
            Family::Csh => "which aws-as",
        }
    }

    /// A line that prints `gone` when the aws-as-deactivate command no longer exists.
    pub fn deactivate_gone(&self) -> &'static str {
        match self.family {
            Family::Sh => "type aws-as-deactivate >/dev/null 2>&1 || echo gone",
            Family::Fish => "type -q aws-as-deactivate; or echo gone",
            Family::Csh => "alias aws-as-deactivate | grep -q . || echo gone",
        }
    }
}
