# aws-as: shell integration for fish.
#
# Loaded by `aws-as -s fish | source` (or `aws-as init fish | source`), which prints this file
# followed by the statement that activates (see the end of this file). It needs fish 3.5 or later,
# for function-scoped variables (`set -f`).
#
# The binary computes and this file applies, as direnv does: the `aws-as` function captures what
# the binary prints, checks its exit status and evaluates it only on success, so a failure leaves
# the shell exactly as it was. No user data is ever written into this file; values reach the shell
# only as single-quoted words printed by the binary's renderer.
#
# aws-as manages the global scope. A universal variable of the same name (`set -Ux AWS_REGION ...`)
# is never changed: a global hides it while one is set, and it shows through again once the global
# is erased, as it did before activation. So does a universal AWS_PROFILE while an identity is
# active: fish exports a universal unless an exported variable of the same name hides it.
#
# Builtins that a function may shadow (printf, functions, contains, source) are called as `builtin
# ...` and the binary as `command aws-as`, so that the user's functions can't hijack them. set,
# test, string, eval and command are reserved words, which no function can replace.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages. MANAGED in src/shell/mod.rs lists the same names (a test checks).
set -g __aws_as_vars AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AS_REGION AWS_AS_REGION_SET

# The ones `aws-as-deactivate --keep-creds` leaves in the environment.
set -g __aws_as_kept AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION

# Remember global variable $argv[1] as it is before activation: its value in _AWS_AS_OLD_<name>,
# as a list kept element for element, and whether it was exported in _AWS_AS_OLDX_<name>. An
# unset variable leaves both unset, so that unset, empty and the empty list all come back apart.
function __aws_as_save --argument-names name
    set -e -g _AWS_AS_OLD_$name _AWS_AS_OLDX_$name
    if set -q -g $name
        set -g _AWS_AS_OLD_$name $$name
        if set -q -gx $name
            set -g _AWS_AS_OLDX_$name 1
        end
    end
end

# Put global variable $argv[1] back as it was before activation: the same list, empty, or unset,
# and exported only if it was.
function __aws_as_restore --argument-names name
    set -l old _AWS_AS_OLD_$name
    if set -q $old
        if set -q _AWS_AS_OLDX_$name
            set -gx $name $$old
        else
            set -gu $name $$old
        end
    else if set -q -g $name
        set -e -g $name
    end
    # `set` leaves $status as it found it, and the binary's code may end here.
    return 0
end

# Run the binary with the credential, region and profile variables as they were before
# activation, and say so to it with _AWS_AS_PRISTINE, so that it works from the user's own
# environment and never takes the active identity's variables for the user's. aws-as's own
# variables stay: they tell `aws-as status` and `aws-as list` which identity this shell has, and a
# switch what aws-as last wrote to the region variables. Those go to the binary as they are now,
# `=VALUE` in _AWS_AS_NOW_*, so that it can tell a region the user set by hand. The hook, the
# label and every command that prints data run through here.
#
# fish has no subshell, so the reset is made of function-scoped variables that shadow the globals
# for the binary only and vanish when this function returns. An unexported one hides an exported
# global of the same name from the binary, which is how a variable that was unset stays unset.
# Values travel in the environment only, never in an argument.
function __aws_as_run
    set -fu _AWS_AS_NOW_AWS_REGION
    set -fu _AWS_AS_NOW_AWS_DEFAULT_REGION
    if set -q AWS_REGION
        set -fx _AWS_AS_NOW_AWS_REGION "=$AWS_REGION"
    end
    if set -q AWS_DEFAULT_REGION
        set -fx _AWS_AS_NOW_AWS_DEFAULT_REGION "=$AWS_DEFAULT_REGION"
    end
    for __aws_as_v in $__aws_as_vars
        if builtin contains -- $__aws_as_v AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_AS_REGION AWS_AS_REGION_SET
            continue
        end
        set -l __aws_as_old _AWS_AS_OLD_$__aws_as_v
        if not set -q $__aws_as_old
            set -fu $__aws_as_v
        else if set -q _AWS_AS_OLDX_$__aws_as_v
            set -fx $__aws_as_v $$__aws_as_old
        else
            set -fu $__aws_as_v $$__aws_as_old
        end
    end
    set -fx _AWS_AS_PRISTINE 1
    command aws-as $argv
end

# ---- Prompt ------------------------------------------------------------------------------------

# Store the label the binary computed. $argv[1] is the whole label, fixed at switch time. When the
# format shows the time left, the text before it, the expiry in Unix seconds and the text after
# follow; fish can't read the clock without starting a process, so it keeps the fixed label. The
# prompt prints the label with printf, as data, so no profile name can inject anything into it.
function __aws_as_label
    set -g __aws_as_prompt $argv[1]
    # `set` leaves $status as it found it, and the binary's code ends here: `aws-as -` must not
    # return the status of an earlier `set -e` that found nothing to erase.
    return 0
end

# Wrap the user's fish_prompt, as venv's activate.fish does: keep a copy of it, and put in its
# place a prompt that prints the label and then the copy's output. `functions -q` loads an
# autoloaded prompt first, so that there is something to copy. A copy forgets where its function
# was defined, and `functions fish_prompt` would show that, so a prompt that came from its
# autoload file (autoloaded, or loaded from there again by an earlier deactivation) is remembered
# by that file, to load it from again on deactivation.
function __aws_as_wrap
    builtin functions -q fish_prompt; or return 0
    set -l __aws_as_details (builtin functions --details --verbose fish_prompt)
    if test "$__aws_as_details[2]" = autoloaded
        or builtin contains -- $__aws_as_details[1] $fish_function_path/fish_prompt.fish
        set -g _AWS_AS_PROMPT_FILE $__aws_as_details[1]
    end
    builtin functions --copy fish_prompt _aws_as_old_fish_prompt
    # Nothing here starts a process.
    function fish_prompt --description 'aws-as: the identity label, then the prompt it wraps'
        # The wrapped prompt runs first, while $status and $pipestatus are still those of the
        # user's last command. fish itself reads a prompt's output as a command substitution,
        # line by line, so capturing the lines here and printing them back changes nothing.
        set -l __aws_as_lines (_aws_as_old_fish_prompt $argv)
        builtin printf '%s' $__aws_as_prompt
        builtin printf '%s\n' $__aws_as_lines
    end
end

# Put fish_prompt back as it was: loaded again from its file if it was autoloaded, otherwise from
# the copy. If something has replaced the wrapper since activation (a theme, fish_config), that
# prompt stays and only the copy goes.
function __aws_as_unwrap
    builtin functions -q _aws_as_old_fish_prompt; or return 0
    set -l __aws_as_ours 'aws-as: the identity label, then the prompt it wraps'
    set -l __aws_as_details (builtin functions --details --verbose fish_prompt)
    if test "$__aws_as_details[5]" = $__aws_as_ours
        # Sourcing over the wrapper, not erasing it first: fish would never autoload a function
        # erased with `functions --erase` again, and it reloads this one when its file changes.
        if set -q _AWS_AS_PROMPT_FILE; and test -r $_AWS_AS_PROMPT_FILE
            builtin source $_AWS_AS_PROMPT_FILE
            set __aws_as_details (builtin functions --details --verbose fish_prompt)
        end
        if test "$__aws_as_details[5]" = $__aws_as_ours
            builtin functions --erase fish_prompt
            builtin functions --copy _aws_as_old_fish_prompt fish_prompt
        end
    end
    builtin functions --erase _aws_as_old_fish_prompt
    set -e -g _AWS_AS_PROMPT_FILE
end

# Ask the binary for the label of the identity this shell has now, following prompt_format: only
# when activation has just undone an earlier one, which brings back an identity that the label
# given to __aws_as_activate could not know. Through a pipe, as `aws-as` does, and for the same
# reason.
function __aws_as_ask_label
    command -q aws-as; or return 0
    __aws_as_run __label fish | read -lz __aws_as_out
    if test $pipestatus[1] -eq 0
        eval $__aws_as_out
    end
end

# ---- Commands ----------------------------------------------------------------------------------

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command. The binary prints the code
# for a switch; for a command that prints data it prints `__aws_as_run $argv`, which eval runs
# with this function's arguments, as they were typed.
function aws-as --description 'Switch the AWS identity of this shell, or run an aws-as command'
    # A completion request: on Tab, clap_complete's script runs `AWS_AS_COMPLETE=fish aws-as --
    # WORDS...`, and this function is `aws-as` now. The binary answers it, with nothing to
    # evaluate. Empty and 0 mean no request, as clap_complete reads the variable. See
    # https://docs.rs/clap_complete/latest/clap_complete/env/
    if set -q AWS_AS_COMPLETE; and not builtin contains -- "$AWS_AS_COMPLETE" '' 0
        command aws-as $argv
        return
    end
    if not command -q aws-as
        builtin printf '%s\n' 'aws-as: could not run aws-as: it is not on PATH; install it (cargo install), or run aws-as-deactivate' >&2
        return 1
    end
    # A pipe into `read -z`, which keeps the code whole, newlines in values included. Not a
    # command substitution: fish doesn't pass the caller's stderr redirections into one, so
    # `aws-as dev 2>&1` would lose the binary's messages. See
    # https://github.com/fish-shell/fish-shell/issues/1035
    __aws_as_run __hook fish -- $argv | read -lz __aws_as_out
    set -l __aws_as_rc $pipestatus[1]
    if test $__aws_as_rc -ne 0
        return $__aws_as_rc
    end
    eval $__aws_as_out
    set __aws_as_rc $status
    # A universal AWS_PROFILE stays exported beside the identity's keys (see the top of this
    # file); tools that prefer a profile would mix the two, so say so.
    if set -q AWS_AS_IDENTITY; and set -q -U AWS_PROFILE
        builtin printf '%s\n' 'aws-as: warning: a universal AWS_PROFILE (set -U) stays exported beside the identity; remove it with: set -e -U AWS_PROFILE' >&2
    end
    return $__aws_as_rc
end

# Undo activation: every managed variable except those named in $argv, then the prompt, then the
# saved state.
function __aws_as_unload
    for __aws_as_v in $__aws_as_vars
        if not builtin contains -- $__aws_as_v $argv
            __aws_as_restore $__aws_as_v
        end
        set -e -g _AWS_AS_OLD_$__aws_as_v _AWS_AS_OLDX_$__aws_as_v
    end
    __aws_as_unwrap
    set -e -g __aws_as_prompt _AWS_AS_ACTIVE
end

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was. With
# --keep-creds the active identity's credentials and regions stay (when there is one).
function aws-as-deactivate --description 'Remove aws-as from this shell and restore it as it was'
    set -l __aws_as_keep
    switch "$argv[1]"
        case ''
        case --keep-creds
            if test -n "$AWS_AS_IDENTITY"
                set __aws_as_keep $__aws_as_kept
            end
        case '*'
            builtin printf 'aws-as-deactivate: unknown option %s (the only one is --keep-creds)\n' $argv[1] >&2
            return 2
    end
    __aws_as_unload $__aws_as_keep
    builtin functions --erase aws-as aws-as-deactivate __aws_as_run __aws_as_save \
        __aws_as_restore __aws_as_label __aws_as_wrap __aws_as_unwrap __aws_as_ask_label \
        __aws_as_unload
    set -e -g __aws_as_vars __aws_as_kept
    return 0
end

# ---- Activation --------------------------------------------------------------------------------

# Activate: save the pre-activation state and put the label (the arguments, as __aws_as_label
# takes them) in front of the prompt.
function __aws_as_activate
    # Activating again (config.fish sourced twice) first undoes the earlier activation, as venv
    # does, so the saved state is never the already-modified environment and the prefix never
    # stacks.
    set -l __aws_as_again
    if set -q _AWS_AS_ACTIVE
        __aws_as_unload
        set __aws_as_again 1
    end
    for __aws_as_v in $__aws_as_vars
        __aws_as_save $__aws_as_v
    end
    set -g _AWS_AS_ACTIVE 1
    # AWS_AS_DISABLE_PROMPT opts out, for prompt frameworks that show AWS_AS_IDENTITY.
    if test -z "$AWS_AS_DISABLE_PROMPT"
        __aws_as_wrap
        __aws_as_label $argv
        if test -n "$__aws_as_again"
            __aws_as_ask_label
        end
    end
end

# The binary appends the call that activates, with the label for the identity this shell has now
# (none, or one inherited from the parent shell) as its arguments, rendered through its quoting
# function: `__aws_as_activate FIXED [HEAD EXPIRES TAIL]`. So no process is started here.
