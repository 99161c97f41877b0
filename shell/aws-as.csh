# aws-as: shell integration for tcsh and csh.
#
# Loaded by ``eval "`aws-as -c`"``, or by `aws-as -c > ~/.aws-as.csh; source ~/.aws-as.csh`. The
# binary prints this file without its comments and blank lines: backquote substitution inside
# double quotes joins the lines into one, so every line here is one whole statement ending in `;`
# and nothing may span lines (no if/then/endif, no foreach). Aliases stand in for functions, which
# csh lacks.
#
# The binary computes and this file applies, as direnv does: `aws-as` captures what the binary
# prints, checks its exit status and evaluates it only on success, so a failure leaves the shell
# exactly as it was. No user data is ever written into this file; values reach the shell only as
# single-quoted words printed by the binary's renderer.
#
# csh rules that shape everything below:
# - A one-line `if (cond) command` substitutes the variables in `command` even when `cond` is
#   false, so every variable it names must exist. The saved state is therefore a flag
#   (_AWS_AS_SET_n, 0 or 1) beside a value that is always set (_AWS_AS_OLD_n, empty when the
#   variable was unset), and anything that reads a possibly unset variable goes through
#   `eval '...'`, which substitutes only when it runs.
# - n is the variable's place in the list below: BSD csh refuses variable names longer than 30
#   characters, too short for _AWS_AS_OLD_AWS_CREDENTIAL_EXPIRATION.
# - Aliases are substituted when a line is parsed, and the quoted eval makes this whole file one
#   line, so an alias defined here can only be used here through `eval`, which parses again. And
#   an alias that expands to several statements is not one command: after `if (cond) alias` only
#   the first would be conditional. So activation and conditions call aliases through `eval`.
#
# Only environment variables are managed: csh keeps shell variables apart, and no AWS tool reads
# those.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages, numbered from 1 in this order. MANAGED in src/shell/mod.rs lists
# the same names (a test checks); csh has no one-line loop, so the aliases below name each one.
set __aws_as_vars = (AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AS_REGION AWS_AS_REGION_SET);

# Remember environment variable $2, number $1, as it is before activation.
alias __aws_as_save 'set _AWS_AS_SET_\!:1 = $?\!:2; set _AWS_AS_OLD_\!:1 = ""; if ($?\!:2) eval '\''set _AWS_AS_OLD_\!:1 = "$\!:2"'\''';

# Put environment variable $2, number $1, back as it was before activation: the same value, or
# unset.
alias __aws_as_restore 'if ($_AWS_AS_SET_\!:1) setenv \!:2 "$_AWS_AS_OLD_\!:1"; if (! $_AWS_AS_SET_\!:1) unsetenv \!:2';

# The same, unless `aws-as-deactivate --keep-creds` keeps it (__aws_as_keep is 1).
alias __aws_as_restore_unkept 'if (! $__aws_as_keep && $_AWS_AS_SET_\!:1) setenv \!:2 "$_AWS_AS_OLD_\!:1"; if (! $__aws_as_keep && ! $_AWS_AS_SET_\!:1) unsetenv \!:2';

# Put the credential, region and profile variables back as they were before activation, and say
# so to the binary with _AWS_AS_PRISTINE. Only ever run inside a backquote or a subshell, so the
# binary works from the user's own environment and never takes the active identity's variables
# for the user's. aws-as's own variables (5, 6, 11 and 12) stay: they tell `aws-as status` and
# `aws-as list` which identity this shell has, and a switch what aws-as last wrote to the region
# variables. Those go to the binary as they are now, `=VALUE` in _AWS_AS_NOW_*, so that it can
# tell a region the user set by hand.
alias __aws_as_pristine 'unsetenv _AWS_AS_NOW_AWS_REGION _AWS_AS_NOW_AWS_DEFAULT_REGION; if ($?AWS_REGION) eval '\''setenv _AWS_AS_NOW_AWS_REGION =$AWS_REGION:q'\''; if ($?AWS_DEFAULT_REGION) eval '\''setenv _AWS_AS_NOW_AWS_DEFAULT_REGION =$AWS_DEFAULT_REGION:q'\''; __aws_as_restore 1 AWS_ACCESS_KEY_ID; __aws_as_restore 2 AWS_SECRET_ACCESS_KEY; __aws_as_restore 3 AWS_SESSION_TOKEN; __aws_as_restore 4 AWS_CREDENTIAL_EXPIRATION; __aws_as_restore 7 AWS_REGION; __aws_as_restore 8 AWS_DEFAULT_REGION; __aws_as_restore 9 AWS_PROFILE; __aws_as_restore 10 AWS_DEFAULT_PROFILE; setenv _AWS_AS_PRISTINE 1';

# ---- Prompt ------------------------------------------------------------------------------------

# csh cannot refer to a variable from its prompt, so the prompt is set at switch time: the label
# in front of the prompt as it was at activation (_AWS_AS_PROMPT0, copied with :q, which keeps a
# multi-line prompt whole). So a prompt that something else changes after activation (a `cd`
# alias that puts the directory in it) comes back as it was at activation on the next switch.
# The binary escapes `!` (and `%` and `\` for tcsh) in the label, so the prompt shows it literally. __aws_as_shown remembers what was
# set, so deactivation can tell whether something else has changed the prompt since.
alias __aws_as_prompt 'if ($__aws_as_prompt_on) set prompt = "${__aws_as_label}"$_AWS_AS_PROMPT0:q; if ($__aws_as_prompt_on) set __aws_as_shown = "${__aws_as_label}"$_AWS_AS_PROMPT0:q';

# ---- Commands ----------------------------------------------------------------------------------

# The hook with the user's arguments, word for word (:q). An alias of its own because the
# caller's backquote sits inside double quotes, where the caller would substitute the arguments
# into the backquote's text, and the shell running it would parse them again.
alias __aws_as_hook '\aws-as __hook csh -- $__aws_as_args:q';

# The end of every `aws-as`: the status the command should have, and no code left behind.
alias __aws_as_done 'unset __aws_as_out; set status = $__aws_as_rc';

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command. The arguments are kept in
# __aws_as_args. The binary prints the code for a switch; for a command that prints data it
# prints `__aws_as_run;`, which records that command's status. `\aws-as` is the binary: a quoted
# command name is never an alias. The code is evaluated only when the binary succeeded, and the
# last statement is one eval, so that a pipe after `aws-as list` takes its output. (csh hands an
# alias its redirections as arguments, so `aws-as list > f` reaches the binary as `list > f`,
# which says to write `(aws-as list) > f` instead.)
alias aws-as 'set __aws_as_args = (\!*); set __aws_as_out = "`eval __aws_as_pristine; eval __aws_as_hook`"; set __aws_as_rc = $status; if ($__aws_as_rc != 0) set __aws_as_out = ""; eval "$__aws_as_out" __aws_as_done';

# Run the binary for a command that prints data, in the same reset environment as the hook.
alias __aws_as_run '( eval __aws_as_pristine; \aws-as $__aws_as_args:q )';

# Undo activation: every managed variable (the kept ones only when __aws_as_keep is 0), the
# prompt when nothing else has changed it since, then the saved state.
alias __aws_as_unload '__aws_as_restore_unkept 1 AWS_ACCESS_KEY_ID; __aws_as_restore_unkept 2 AWS_SECRET_ACCESS_KEY; __aws_as_restore_unkept 3 AWS_SESSION_TOKEN; __aws_as_restore_unkept 4 AWS_CREDENTIAL_EXPIRATION; __aws_as_restore 5 AWS_AS_IDENTITY; __aws_as_restore 6 AWS_AS_EXPIRATION; __aws_as_restore_unkept 7 AWS_REGION; __aws_as_restore_unkept 8 AWS_DEFAULT_REGION; __aws_as_restore 9 AWS_PROFILE; __aws_as_restore 10 AWS_DEFAULT_PROFILE; __aws_as_restore 11 AWS_AS_REGION; __aws_as_restore 12 AWS_AS_REGION_SET; if ($__aws_as_prompt_on) eval '\''if ($prompt:q == $__aws_as_shown:q) set prompt = $_AWS_AS_PROMPT0:q'\''; unset _AWS_AS_SET_1 _AWS_AS_OLD_1 _AWS_AS_SET_2 _AWS_AS_OLD_2 _AWS_AS_SET_3 _AWS_AS_OLD_3 _AWS_AS_SET_4 _AWS_AS_OLD_4 _AWS_AS_SET_5 _AWS_AS_OLD_5 _AWS_AS_SET_6 _AWS_AS_OLD_6 _AWS_AS_SET_7 _AWS_AS_OLD_7 _AWS_AS_SET_8 _AWS_AS_OLD_8 _AWS_AS_SET_9 _AWS_AS_OLD_9 _AWS_AS_SET_10 _AWS_AS_OLD_10 _AWS_AS_SET_11 _AWS_AS_OLD_11 _AWS_AS_SET_12 _AWS_AS_OLD_12 _AWS_AS_ACTIVE _AWS_AS_PROMPT0 __aws_as_prompt_on __aws_as_shown __aws_as_label';

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was. With
# --keep-creds the active identity's credentials and regions stay (when there is one). Any other
# argument is refused with status 2 and changes nothing.
alias aws-as-deactivate 'set __aws_as_dargs = (\!*); set __aws_as_keep = 0; set __aws_as_rc = 0; if ("$__aws_as_dargs" == "--keep-creds" && $?AWS_AS_IDENTITY) set __aws_as_keep = 1; if ("$__aws_as_dargs" != "" && "$__aws_as_dargs" != "--keep-creds") set __aws_as_rc = 2; if ($__aws_as_rc) echo "aws-as-deactivate: unknown option $__aws_as_dargs (the only one is --keep-creds)" > /dev/stderr; unset __aws_as_dargs; if (! $__aws_as_rc) eval __aws_as_unload_all; if ($?__aws_as_rc) eval '\''set status = $__aws_as_rc'\''';

# What aws-as-deactivate does when its arguments are right: the unload, then every alias and
# variable of aws-as's own.
alias __aws_as_unload_all '__aws_as_unload; unalias aws-as aws-as-deactivate __aws_as_hook __aws_as_done __aws_as_save __aws_as_restore __aws_as_restore_unkept __aws_as_pristine __aws_as_prompt __aws_as_run __aws_as_unload __aws_as_unload_all __aws_as_relabel __aws_as_start; unset __aws_as_vars __aws_as_args __aws_as_keep __aws_as_rc __aws_as_again';

# ---- Activation --------------------------------------------------------------------------------

# Activating again (a .cshrc sourced twice) first undoes the earlier activation, as venv does, so
# the saved state is never the already-modified environment and the prefix never stacks.
set __aws_as_keep = 0;
set __aws_as_again = $?_AWS_AS_ACTIVE;
if ($?_AWS_AS_ACTIVE) eval __aws_as_unload;

# Save the pre-activation state.
eval '__aws_as_save 1 AWS_ACCESS_KEY_ID';
eval '__aws_as_save 2 AWS_SECRET_ACCESS_KEY';
eval '__aws_as_save 3 AWS_SESSION_TOKEN';
eval '__aws_as_save 4 AWS_CREDENTIAL_EXPIRATION';
eval '__aws_as_save 5 AWS_AS_IDENTITY';
eval '__aws_as_save 6 AWS_AS_EXPIRATION';
eval '__aws_as_save 7 AWS_REGION';
eval '__aws_as_save 8 AWS_DEFAULT_REGION';
eval '__aws_as_save 9 AWS_PROFILE';
eval '__aws_as_save 10 AWS_DEFAULT_PROFILE';
eval '__aws_as_save 11 AWS_AS_REGION';
eval '__aws_as_save 12 AWS_AS_REGION_SET';
set _AWS_AS_ACTIVE = 1;

# The prompt, unless there is none (a script) or AWS_AS_DISABLE_PROMPT opts out, for prompt
# tools that show AWS_AS_IDENTITY themselves.
set __aws_as_prompt_on = $?prompt;
if ($?AWS_AS_DISABLE_PROMPT) set __aws_as_prompt_on = 0;
set _AWS_AS_PROMPT0 = "";
if ($__aws_as_prompt_on) eval 'set _AWS_AS_PROMPT0 = $prompt:q';

# Ask the binary for the label of the identity this shell has now, following prompt_format: only
# when activation has just undone an earlier one, which brings back an identity that the label
# the binary appended could not know.
alias __aws_as_relabel 'set __aws_as_out = "`eval __aws_as_pristine; \aws-as __label csh`"; if ($status == 0) eval "$__aws_as_out"; unset __aws_as_out';

# Start: put the label in front of the prompt. The binary appends the label for the identity the
# environment had when it ran, `__aws_as_labelled` (1 when that was an identity), and `eval
# __aws_as_start`. That label is used as it is when it was made for no identity and there is none
# now, so activation starts no process of its own; otherwise it may not fit (an earlier
# activation was undone, or the output of `aws-as -c` was saved to a file while another identity
# was active) and the binary is asked again.
alias __aws_as_start 'if ($__aws_as_again || $?AWS_AS_IDENTITY || $__aws_as_labelled) eval __aws_as_relabel; eval __aws_as_prompt; unset __aws_as_labelled';
