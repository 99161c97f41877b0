# shellcheck shell=bash
# aws-as: shell integration for bash.
#
# Loaded by `eval "$(aws-as -s)"` (or the unquoted `eval $(aws-as -s)`): that prints one line,
# `. FILE`, where FILE is a copy of this file that aws-as keeps in its cache directory, followed by
# the statement that activates (see the end of this file). One line is what lets the unquoted form
# work: word splitting would mangle this file's comments and newlines. When the copy can't be
# kept, the line is `eval "$(command aws-as init bash --script)"`, which prints the same text.
#
# The binary computes and this file applies, as direnv does: the `aws-as` function captures what
# the binary prints, checks its exit status and evaluates it only on success, so a failure leaves
# the shell exactly as it was. No user data is ever written into this file; values reach the shell
# only as single-quoted words printed by the binary's renderer.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages. MANAGED in src/shell/mod.rs lists the same names (a test checks).
__aws_as_vars='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AS_REGION AWS_AS_REGION_SET'

# The ones `aws-as-deactivate --keep-creds` leaves in the environment.
__aws_as_kept='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION'

# Whether variable $1 is exported. bash 4.4 and later say so without starting a process; older
# ones (macOS's 3.2) need `declare -p`, which only activation calls.
__aws_as_exported() {
    local __aws_as_attrs
    if [ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 4 ]; }; then
        __aws_as_attrs=${!1@a}
    else
        __aws_as_attrs=$(declare -p "$1" 2>/dev/null)
        __aws_as_attrs=${__aws_as_attrs#declare -}
        __aws_as_attrs=${__aws_as_attrs%% *}
    fi
    case $__aws_as_attrs in
        *x*) return 0 ;;
        *) return 1 ;;
    esac
}

# Remember variable $1 as it is before activation: its value in _AWS_AS_OLD_$1 and whether it was
# exported in _AWS_AS_OLDX_$1. An unset variable leaves both unset, so that unset and empty come
# back apart (${VAR+x}, as venv does).
__aws_as_save() {
    unset "_AWS_AS_OLD_$1" "_AWS_AS_OLDX_$1"
    if [ -n "${!1+x}" ]; then
        printf -v "_AWS_AS_OLD_$1" '%s' "${!1}"
        if __aws_as_exported "$1"; then
            printf -v "_AWS_AS_OLDX_$1" '%s' 1
        fi
    fi
}

# Put variable $1 back as it was before activation: the same value, empty, or unset, and exported
# only if it was.
__aws_as_restore() {
    local __aws_as_old="_AWS_AS_OLD_$1" __aws_as_x="_AWS_AS_OLDX_$1"
    if [ -z "${!__aws_as_old+x}" ]; then
        unset "$1"
    elif [ -n "${!__aws_as_x+x}" ]; then
        export "$1=${!__aws_as_old}"
    else
        # shellcheck disable=SC2163 # $1 names the variable to un-export.
        export -n "$1"
        printf -v "$1" '%s' "${!__aws_as_old}"
    fi
}

# Put the credential, region and profile variables back as they were before activation, and say
# so to the binary with _AWS_AS_PRISTINE. The function runs this in a subshell before running the
# binary, so the binary works from the user's own environment and never takes the active
# identity's variables for the user's. aws-as's own variables stay: they tell `aws-as status` and
# `aws-as list` which identity this shell has, and a switch what aws-as last wrote to the region
# variables. Those go to the binary as they are now, `=VALUE` in _AWS_AS_NOW_*, so that it can
# tell a region the user set by hand.
__aws_as_pristine() {
    local __aws_as_v IFS=' '
    unset _AWS_AS_NOW_AWS_REGION _AWS_AS_NOW_AWS_DEFAULT_REGION
    if [ -n "${AWS_REGION+x}" ]; then
        export _AWS_AS_NOW_AWS_REGION="=$AWS_REGION"
    fi
    if [ -n "${AWS_DEFAULT_REGION+x}" ]; then
        export _AWS_AS_NOW_AWS_DEFAULT_REGION="=$AWS_DEFAULT_REGION"
    fi
    for __aws_as_v in $__aws_as_vars; do
        case $__aws_as_v in
            AWS_AS_IDENTITY | AWS_AS_EXPIRATION | AWS_AS_REGION | AWS_AS_REGION_SET) ;;
            *) __aws_as_restore "$__aws_as_v" ;;
        esac
    done
    export _AWS_AS_PRISTINE=1
}

# ---- Prompt ------------------------------------------------------------------------------------

# Store the label the binary computed. $1 is the whole label, fixed at switch time. When the
# format shows the time left, $2, $3 and $4 are the text before it, the expiry in Unix seconds and
# the text after; bash 5 reads the clock without a process (EPOCHSECONDS), so there the label
# counts down on every prompt, from PROMPT_COMMAND.
__aws_as_label() {
    _AWS_AS_PROMPT=$1
    if [ "$#" -eq 4 ] && [ -n "${EPOCHSECONDS-}" ] && [ -n "${_AWS_AS_PS1+x}" ]; then
        _AWS_AS_PHEAD=$2 _AWS_AS_PEXP=$3 _AWS_AS_PTAIL=$4
        __aws_as_hook_prompt
        __aws_as_tick
    else
        unset _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL
    fi
}

# Run __aws_as_tick first in PROMPT_COMMAND, and remember exactly what was there, to give it back
# on deactivation.
__aws_as_hook_prompt() {
    if [ -z "${_AWS_AS_PC+x}" ]; then
        if [ -n "${PROMPT_COMMAND+x}" ]; then
            _AWS_AS_OLD_PC=$PROMPT_COMMAND
        fi
        PROMPT_COMMAND="__aws_as_tick${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
        _AWS_AS_PC=$PROMPT_COMMAND
    fi
}

# What every prompt does: the renewal when it is due (see below), then the label as it reads now:
# the time left, `1h05m` or `42m`, or `expired`. It keeps $? for whatever runs after it in
# PROMPT_COMMAND and for PS1. While nothing is due, nothing here starts a process.
__aws_as_tick() {
    local __aws_as_rc=$? __aws_as_s __aws_as_t
    if [ -n "${_AWS_AS_DUE-}" ] && __aws_as_clock __aws_as_s; then
        __aws_as_renew "$__aws_as_s"
    fi
    if [ -n "${_AWS_AS_PEXP-}" ]; then
        __aws_as_s=$((_AWS_AS_PEXP - EPOCHSECONDS))
        if ((__aws_as_s <= 0)); then
            __aws_as_t=expired
        elif ((__aws_as_s >= 3600)); then
            printf -v __aws_as_t '%dh%02dm' $((__aws_as_s / 3600)) $((__aws_as_s % 3600 / 60))
        else
            __aws_as_t=$((__aws_as_s / 60))m
        fi
        _AWS_AS_PROMPT=$_AWS_AS_PHEAD$__aws_as_t$_AWS_AS_PTAIL
    fi
    return "$__aws_as_rc"
}

# ---- Renewal -----------------------------------------------------------------------------------

# The time now, Unix seconds, into variable $1, without a process: bash 5's EPOCHSECONDS, or
# printf's %(%s)T from bash 4.2. Older bash (macOS's 3.2) can't, and doesn't renew.
__aws_as_clock() {
    if [ -n "${EPOCHSECONDS-}" ]; then
        printf -v "$1" '%s' "$EPOCHSECONDS"
    elif [ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 2 ]; }; then
        printf -v "$1" '%(%s)T' -1
    else
        return 1
    fi
}

# Called by the binary's code after a switch: `__aws_as_due DUE DIR` has the prompt renew the
# credentials from time DUE (refresh_margin before they expire), with the result in DIR's file
# renew-PID; with no arguments (auto_refresh = false, or `aws-as -`) it never does.
__aws_as_due() {
    local __aws_as_s
    unset _AWS_AS_DUE _AWS_AS_RFILE _AWS_AS_RNONCE _AWS_AS_RNEXT
    if [ "$#" -eq 2 ] && __aws_as_clock __aws_as_s; then
        _AWS_AS_DUE=$1 _AWS_AS_RFILE=$2/renew-$$
        __aws_as_hook_prompt
    fi
}

# The renewal, at time $1. Once due, it starts `aws-as __renew` in the background, detached and
# silent, and the prompt returns at once: no prompt waits on the network. Each later prompt looks
# for its answer (__aws_as_renewed), and a renewal that has not answered within a minute, or has
# failed, is tried again a minute after it started.
__aws_as_renew() {
    if [ -n "${_AWS_AS_RNONCE-}" ]; then
        __aws_as_renewed
        if [ -n "${_AWS_AS_RNONCE-}" ] && [ "$1" -lt "${_AWS_AS_RNEXT:-0}" ]; then
            return 0
        fi
    fi
    if [ -n "${_AWS_AS_DUE-}" ] && [ "$1" -ge "$_AWS_AS_DUE" ] && [ "$1" -ge "${_AWS_AS_RNEXT:-0}" ]; then
        _AWS_AS_RNONCE=$1 _AWS_AS_RNEXT=$(($1 + 60))
        (
            __aws_as_pristine
            command aws-as __renew bash "$$" "$1" &
        ) </dev/null >/dev/null 2>&1
    fi
}

# Apply what the background renewal wrote, once it is there and is the answer to this shell's
# latest one (the nonce), for the identity and expiry the shell still has. The file holds one
# value per line (see src/cmd/renew.rs), read with the builtin `read`: no code is read back from
# disk, and no process starts. New credentials replace the old and set the next due time; a
# renewal that needs an MFA code changes only the label, to one that shows the time left.
__aws_as_renewed() {
    local n='' st='' id='' ex='' a='' s='' t='' iso='' exp='' due='' f='' h='' x='' tl=''
    [ -f "$_AWS_AS_RFILE" ] || return 0
    {
        IFS= read -r n
        IFS= read -r st
        IFS= read -r id
        IFS= read -r ex
        if [ "$st" = ok ]; then
            IFS= read -r a
            IFS= read -r s
            IFS= read -r t
            IFS= read -r iso
            IFS= read -r exp
            IFS= read -r due
        fi
        IFS= read -r f
        IFS= read -r h
        IFS= read -r x
        IFS= read -r tl
    } <"$_AWS_AS_RFILE" 2>/dev/null
    if [ "$n" != "$_AWS_AS_RNONCE" ]; then
        return 0
    fi
    unset _AWS_AS_RNONCE
    if [ "$id" != "${AWS_AS_IDENTITY-}" ] || [ "$ex" != "${AWS_AS_EXPIRATION-}" ]; then
        return 0
    fi
    case $st in
        ok)
            export AWS_ACCESS_KEY_ID="$a" AWS_SECRET_ACCESS_KEY="$s" AWS_SESSION_TOKEN="$t" \
                AWS_CREDENTIAL_EXPIRATION="$iso" AWS_AS_EXPIRATION="$exp"
            _AWS_AS_DUE=$due
            unset _AWS_AS_RNEXT
            ;;
        code) ;;
        *) return 0 ;;
    esac
    if [ -n "$f" ] && [ -n "${_AWS_AS_PS1+x}" ]; then
        if [ -n "$x" ]; then
            __aws_as_label "$f" "$h" "$x" "$tl"
        else
            __aws_as_label "$f"
        fi
    fi
}

# What goes in front of PS1: a reference to the label, not the label itself. bash expands ${...}
# in PS1 once per redraw and never re-parses the result, so no profile name can inject prompt
# escapes or $(...). Nothing here starts a process.
# shellcheck disable=SC2016 # PS1 must refer to the variable, not hold its value.
__aws_as_prefix='${_AWS_AS_PROMPT}'

# Ask the binary for the label of the identity this shell has now, following prompt_format: only
# when activation has just undone an earlier one, which brings back an identity that the label
# given to __aws_as_activate could not know.
__aws_as_ask_label() {
    local __aws_as_out
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __label bash
    ) && eval "$__aws_as_out"
}

# ---- Commands ----------------------------------------------------------------------------------

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command. The binary prints the code
# for a switch; for a command that prints data it prints `__aws_as_run "$@"`.
__aws_as_main() {
    local __aws_as_out __aws_as_rc
    # A completion request: on Tab, clap_complete's script runs `AWS_AS_COMPLETE=bash aws-as --
    # WORDS...`, and this function is `aws-as` now. The binary answers it, with nothing to
    # evaluate. Empty and 0 mean no request, as clap_complete reads the variable. See
    # https://docs.rs/clap_complete/latest/clap_complete/env/
    case ${AWS_AS_COMPLETE-} in
        '' | 0) ;;
        *)
            command aws-as "$@"
            return
            ;;
    esac
    if ! type -P aws-as >/dev/null; then
        printf '%s\n' 'aws-as: could not run aws-as: it is not on PATH; install it (cargo install), or run aws-as-deactivate' >&2
        return 1
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
}

# Run the binary for a command that prints data, in the same reset environment as the hook.
__aws_as_run() {
    (
        __aws_as_pristine
        command aws-as "$@"
    )
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
        unset "_AWS_AS_OLD_$__aws_as_v" "_AWS_AS_OLDX_$__aws_as_v"
    done
    if [ -n "${_AWS_AS_PS1+x}" ] && [ "${PS1-}" = "$_AWS_AS_PS1" ]; then
        if [ -n "${_AWS_AS_OLD_PS1+x}" ]; then
            PS1=$_AWS_AS_OLD_PS1
        else
            unset PS1
        fi
    elif [ -n "${_AWS_AS_PS1+x}" ] && [ -n "${PS1-}" ]; then
        # Something rewrote PS1 after activation: keep its change, drop only our prefix.
        PS1=${PS1/"$__aws_as_prefix"/}
    fi
    # PROMPT_COMMAND likewise, when the label counted down.
    if [ -n "${_AWS_AS_PC+x}" ]; then
        if [ "${PROMPT_COMMAND-}" = "$_AWS_AS_PC" ]; then
            if [ -n "${_AWS_AS_OLD_PC+x}" ]; then
                PROMPT_COMMAND=$_AWS_AS_OLD_PC
            else
                unset PROMPT_COMMAND
            fi
        elif [ -n "${PROMPT_COMMAND-}" ]; then
            PROMPT_COMMAND=${PROMPT_COMMAND/__aws_as_tick;/}
            PROMPT_COMMAND=${PROMPT_COMMAND/__aws_as_tick/}
        fi
    fi
    unset _AWS_AS_PS1 _AWS_AS_OLD_PS1 _AWS_AS_PROMPT _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL \
        _AWS_AS_PC _AWS_AS_OLD_PC _AWS_AS_ACTIVE _AWS_AS_DUE _AWS_AS_RFILE _AWS_AS_RNONCE \
        _AWS_AS_RNEXT
}

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was. With
# --keep-creds the active identity's credentials and regions stay (when there is one).
__aws_as_deactivate() {
    local __aws_as_keep=''
    case "${1-}" in
        '') ;;
        --keep-creds)
            if [ -n "${AWS_AS_IDENTITY-}" ]; then
                __aws_as_keep=$__aws_as_kept
            fi
            ;;
        *)
            printf 'aws-as-deactivate: unknown option %s (the only one is --keep-creds)\n' "$1" >&2
            return 2
            ;;
    esac
    __aws_as_unload "$__aws_as_keep"
    if shopt -oq posix; then
        unalias aws-as aws-as-deactivate 2>/dev/null
    else
        unset -f aws-as aws-as-deactivate
    fi
    unset -f __aws_as_main __aws_as_run __aws_as_deactivate __aws_as_exported __aws_as_save \
        __aws_as_restore __aws_as_pristine __aws_as_label __aws_as_tick __aws_as_ask_label \
        __aws_as_unload __aws_as_hook_prompt __aws_as_clock __aws_as_due __aws_as_renew \
        __aws_as_renewed
    unset __aws_as_vars __aws_as_kept __aws_as_prefix
    return 0
}

# The commands as the user types them. POSIX mode forbids '-' in function names (and defining one
# would abort the whole script), so there they are aliases.
if shopt -oq posix; then
    alias aws-as=__aws_as_main aws-as-deactivate=__aws_as_deactivate
else
    aws-as() { __aws_as_main "$@"; }
    aws-as-deactivate() { __aws_as_deactivate "$@"; }
fi

# ---- Activation --------------------------------------------------------------------------------

# Activate: save the pre-activation state and put the label (the arguments, as __aws_as_label
# takes them) in front of the prompt.
__aws_as_activate() {
    local __aws_as_v __aws_as_again='' IFS=' '
    # Activating again (an rc file sourced twice) first undoes the earlier activation, as venv
    # does, so the saved state is never the already-modified environment and the prefix never
    # stacks.
    if [ -n "${_AWS_AS_ACTIVE+x}" ]; then
        __aws_as_unload ''
        __aws_as_again=1
    fi
    for __aws_as_v in $__aws_as_vars; do
        __aws_as_save "$__aws_as_v"
    done
    _AWS_AS_ACTIVE=1
    # PS1 can only refer to the label when bash expands variables in prompts (promptvars, on by
    # default). AWS_AS_DISABLE_PROMPT opts out, for prompt frameworks that show AWS_AS_IDENTITY.
    if [ -z "${AWS_AS_DISABLE_PROMPT-}" ] && shopt -q promptvars; then
        if [ -n "${PS1+x}" ]; then
            _AWS_AS_OLD_PS1=$PS1
        fi
        _AWS_AS_PS1=$__aws_as_prefix${PS1-}
        PS1=$_AWS_AS_PS1
        __aws_as_label "$@"
        if [ -n "$__aws_as_again" ]; then
            __aws_as_ask_label
        fi
    fi
}

# The binary appends the call that activates, with the label for the identity this shell has now
# (none, or one inherited from the parent shell) as its arguments, rendered through its quoting
# function: `__aws_as_activate FIXED [HEAD EXPIRES TAIL]`. So no process is started here.
