# shellcheck shell=bash
# aws-as: shell integration for bash.
#
# Loaded by `eval "$(aws-as -s)"` (or the unquoted `eval $(aws-as -s)`): that prints one line
# which evaluates `aws-as init bash --script`, and that prints this file. The indirection is what
# lets the unquoted form work: word splitting would mangle this file's comments and newlines.
#
# The binary computes and this file applies, as direnv does: the `aws-as` function captures what
# the binary prints, checks its exit status and evaluates it only on success, so a failure leaves
# the shell exactly as it was. No user data is ever written into this file; values reach the shell
# only as single-quoted words printed by the binary's renderer.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages. MANAGED in src/shell/mod.rs lists the same names (a test checks).
__aws_as_vars='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE'

# The ones `aws-as-deactivate --keep-creds` leaves in the environment.
__aws_as_kept='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION'

# Remember variable $1 as it is before activation, in _AWS_AS_OLD_$1. An unset variable leaves
# _AWS_AS_OLD_$1 unset, so that unset and empty come back apart (${VAR+x}, as venv does).
__aws_as_save() {
    if [ -n "${!1+x}" ]; then
        printf -v "_AWS_AS_OLD_$1" '%s' "${!1}"
    else
        unset "_AWS_AS_OLD_$1"
    fi
}

# Put variable $1 back as it was before activation: the same value, empty, or unset.
__aws_as_restore() {
    local __aws_as_old="_AWS_AS_OLD_$1"
    if [ -n "${!__aws_as_old+x}" ]; then
        export "$1=${!__aws_as_old}"
    else
        unset "$1"
    fi
}

# Put every managed variable back as it was before activation. The wrapper runs this inside the
# command substitution (a subshell), so the binary resolves the next identity from the user's own
# environment and never from the active identity's variables.
__aws_as_pristine() {
    local __aws_as_v IFS=' '
    for __aws_as_v in $__aws_as_vars; do
        __aws_as_restore "$__aws_as_v"
    done
}

# ---- Prompt ------------------------------------------------------------------------------------

# The label lives in _AWS_AS_PROMPT and PS1 refers to it. bash expands ${...} in PS1 once per
# redraw and never re-parses the result, so no profile name can inject prompt escapes or $(...).
# Nothing here starts a process.
__aws_as_prompt_sync() {
    _AWS_AS_PROMPT=${AWS_AS_IDENTITY:--}
}

# What goes in front of PS1: a reference to the label, not the label itself.
# shellcheck disable=SC2016 # PS1 must refer to the variable, not hold its value.
__aws_as_prefix='(${_AWS_AS_PROMPT}) '

# ---- Commands ----------------------------------------------------------------------------------

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command.
aws-as() {
    local __aws_as_out __aws_as_rc
    if ! type -P aws-as >/dev/null; then
        printf '%s\n' 'aws-as: could not run aws-as: it is not on PATH; install it with cargo install, or run aws-as-deactivate' >&2
        return 127
    fi
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __hook bash -- "$@"
    )
    __aws_as_rc=$?
    if [ "$__aws_as_rc" -ne 0 ]; then
        return "$__aws_as_rc"
    fi
    eval "$__aws_as_out"
    __aws_as_rc=$?
    __aws_as_prompt_sync
    return "$__aws_as_rc"
}

# Undo activation: every managed variable except those named in $1, then the prompt, then the
# saved state. The prompt comes back byte for byte unless something else has changed it since.
__aws_as_unload() {
    local __aws_as_v IFS=' '
    for __aws_as_v in $__aws_as_vars; do
        case " $1 " in
            *" $__aws_as_v "*) ;;
            *) __aws_as_restore "$__aws_as_v" ;;
        esac
        unset "_AWS_AS_OLD_$__aws_as_v"
    done
    if [ -n "${_AWS_AS_PS1+x}" ] && [ "${PS1-}" = "$_AWS_AS_PS1" ]; then
        if [ -n "${_AWS_AS_OLD_PS1+x}" ]; then
            PS1=$_AWS_AS_OLD_PS1
        else
            unset PS1
        fi
    elif [ -n "${PS1-}" ]; then
        # Something rewrote PS1 after activation: keep its change, drop only our prefix.
        PS1=${PS1/"$__aws_as_prefix"/}
    fi
    unset _AWS_AS_PS1 _AWS_AS_OLD_PS1 _AWS_AS_PROMPT _AWS_AS_ACTIVE
}

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was.
aws-as-deactivate() {
    local __aws_as_keep=''
    case "${1-}" in
        '') ;;
        --keep-creds) __aws_as_keep=$__aws_as_kept ;;
        *)
            printf 'aws-as-deactivate: unknown option %s (the only one is --keep-creds)\n' "$1" >&2
            return 2
            ;;
    esac
    __aws_as_unload "$__aws_as_keep"
    unset -f aws-as aws-as-deactivate __aws_as_save __aws_as_restore __aws_as_pristine \
        __aws_as_prompt_sync __aws_as_unload
    unset __aws_as_vars __aws_as_kept __aws_as_prefix
    return 0
}

# ---- Activation --------------------------------------------------------------------------------

# Activate: save the pre-activation state and put the label in front of the prompt.
__aws_as_activate() {
    local __aws_as_v IFS=' '
    # Activating again (an rc file sourced twice) first undoes the earlier activation, as venv
    # does, so the saved state is never the already-modified environment and the prefix never
    # stacks.
    if [ -n "${_AWS_AS_ACTIVE+x}" ]; then
        __aws_as_unload ''
    fi
    for __aws_as_v in $__aws_as_vars; do
        __aws_as_save "$__aws_as_v"
    done
    _AWS_AS_ACTIVE=1
    __aws_as_prompt_sync
    # PS1 can only refer to the label when bash expands variables in prompts (promptvars, on by
    # default). AWS_AS_DISABLE_PROMPT opts out, for prompt frameworks that show AWS_AS_IDENTITY.
    if [ -z "${AWS_AS_DISABLE_PROMPT-}" ] && shopt -q promptvars; then
        if [ -n "${PS1+x}" ]; then
            _AWS_AS_OLD_PS1=$PS1
        fi
        _AWS_AS_PS1=$__aws_as_prefix${PS1-}
        PS1=$_AWS_AS_PS1
    fi
}

__aws_as_activate
unset -f __aws_as_activate
